#!/usr/bin/env bash
# Regenerates the committed results in docs/results/: the table2 and workers suites on the default
# corpus, each shared by two local processes (one core each), then the reports.
#   docs/experiments/reproduce.sh [SUITE...]          (default: table2 workers)
# The committed runs' wall times sum to 6.0 h: about 3 hours two at a time on a 2-core machine.
# Runs are resumable: rerunning continues where it stopped.
source "$(dirname "$0")/common.sh"   # ROOT, the jar copy, the corpus, MODEL and BASE
suites=("$@"); [ ${#suites[@]} -gt 0 ] || suites=(table2 workers)
for suite in "${suites[@]}"; do
  seeds=0; [ "$suite" = table2 ] && seeds=0,1
  out="runs/experiments/$suite"
  mkdir -p "$out"
  for p in 0 1; do
    ./submit.sh experiments --suite "$suite" --seeds "$seeds" --partition "$p/2" --out "$out" "${BASE[@]}" \
      > "$out/partition-$p.log" 2>&1 &
  done
  wait
  refs=(); [ "$suite" = table2 ] || refs=(--references runs/experiments/table2)   # charts compare with table2's rows
  ./submit.sh experiments --suite "$suite" --seeds "$seeds" --report-only --out "$out" "${BASE[@]}" "${refs[@]}" \
    > "$out/report.log" 2>&1
  mkdir -p "docs/results/$suite"
  cp "$out"/results.md "$out"/results.json "$out"/*.png "docs/results/$suite/"
  echo "suite $suite: docs/results/$suite/results.md"
done
