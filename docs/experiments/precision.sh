#!/usr/bin/env bash
# The precision row of docs/experiments.md: the table2 setting (k=8, H=50, 3,000 inner steps per
# worker, seeds 0 and 1) with the workers' forward and backward in fp32 and in bf16 (--precision):
# 4 runs in two lanes on 2 cores (15-21 min a run). Resumable; REPORT_ONLY=1 only draws the report
# (into docs/results/precision).
source "$(dirname "$0")/common.sh"   # ROOT, the jar copy, the corpus, MODEL, BASE, suite_in_two_lanes
suite_in_two_lanes precision 0,1 docs/results/table2 "${BASE[@]}"
