#!/usr/bin/env bash
# Regenerates the committed results in docs/results/: the table2 and workers suites on the default
# corpus, each shared by two local processes (one core each), then the reports.
#   docs/experiments/reproduce.sh [SUITE...]          (default: table2 workers)
# The committed runs' wall times sum to 6.0 h: about 3 hours two at a time on a 2-core machine.
# Runs are resumable: rerunning continues where it stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
./submit.sh --help >/dev/null   # builds the jar if missing
datasets/fetch-sotu.sh
# Run from a copy of the jar, so rebuilding the project meanwhile cannot disturb the runs.
copy="$(mktemp -d)"; cp spark-job/target/diloco-spark-job.jar "$copy/"
export DILOCO_JAR="$copy/diloco-spark-job.jar" DILOCO_LOCAL_CORES=1

# The model and budget of every run: a 0.37M-parameter byte-level GPT, 3,000 inner steps per
# worker, batch 16 x 64 tokens, the 1-worker baseline's tuned inner learning rate (docs/experiments.md).
BASE=(--data datasets/cache/sotu --preset small --layers 3 --d-model 96 --heads 4 --context 64
      --batch-size 16 --inner-lr 6e-3 --warmup-steps 100 --threads-per-worker 1
      --workers 8 --inner-steps 50 --total-inner-steps 3000 --val-windows 128)

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
rm -rf "$copy"
