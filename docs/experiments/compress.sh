#!/usr/bin/env bash
# The compression row of docs/experiments.md: the table2 setting (k=8, H=50, 3,000 inner steps per
# worker, seeds 0 and 1) with the outer gradients sent as fp32, bf16 and int8, and as fp32 with
# 25/50/75% of each block's values pruned: 12 runs in two lanes on 2 cores (about 11 min a run).
# Resumable; REPORT_ONLY=1 only draws the report (into docs/results/compress).
source "$(dirname "$0")/common.sh"   # ROOT, the jar copy, the corpus, MODEL, BASE, suite_in_two_lanes
suite_in_two_lanes compress 0,1 docs/results/table2 "${BASE[@]}"
