#!/usr/bin/env bash
# The heterogeneous suite of docs/experiments.md (issue 16): the table2 model and budget (3,000 inner
# steps per worker's worth of tokens, H=50) with k=4 workers of different speeds on the virtual
# clock: one worker 3x slower, then two at 2x and 4x; each run synchronously, with paced H, with an
# automatic deadline and token-weighted merging, and asynchronously with Delayed Nesterov without and
# with paced H. 10 runs in two lanes on 2 cores. Resumable; REPORT_ONLY=1 only draws the report (into docs/results/heterogeneous).
source "$(dirname "$0")/common.sh"   # ROOT, the jar copy, the corpus, MODEL, suite_in_two_lanes
suite_in_two_lanes heterogeneous 0 "" "${MODEL[@]}" --workers 4 --inner-steps 50 --total-inner-steps 3000
