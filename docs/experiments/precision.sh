#!/usr/bin/env bash
# The precision row of docs/experiments.md: the table2 setting (k=8, H=50, 3,000 inner steps per
# worker, seeds 0 and 1) with the workers' forward and backward in fp32 and in bf16 (--precision):
# 4 runs in two lanes on 2 cores (about 11 min a run in fp32).
# Resumable; REPORT_ONLY=1 only draws the report (into docs/results/precision).
source "$(dirname "$0")/common.sh"   # ROOT, the jar copy, the corpus, MODEL and BASE
out=runs/experiments/precision
mkdir -p "$out"
if [ -z "${REPORT_ONLY:-}" ]; then
  for p in 0 1; do
    ./submit.sh experiments --suite precision --seeds 0,1 --partition "$p/2" --out "$out" "${BASE[@]}" > "$out/partition-$p.log" 2>&1 &
  done
  wait
fi
./submit.sh experiments --suite precision --seeds 0,1 --report-only --allow-missing --out "$out" "${BASE[@]}" \
  --references docs/results/table2 > "$out/report.log" 2>&1
mkdir -p docs/results/precision
cp "$out"/results.md "$out"/results.json "$out"/*.png docs/results/precision/
