#!/usr/bin/env bash
# Spark's part of a DiLoCo round at the paper's model sizes (docs/benchmarks.md, "Overhead at the
# paper's sizes"): the 60m preset with k = 2, 4, 8 and 150m with k = 2, 4, byte vocabulary, context
# 32, batch 1, H = 1, so that a worker's compute is small and Spark's part shows. One executor JVM
# per worker on this machine (local-cluster), the last sum on an executor (--final-combine auto
# chooses it at these sizes). Writes docs/bench/overhead/PRESET-kK.json and a log beside each.
# ONLY="60m:2 150m:4" runs a subset.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
./submit.sh --help >/dev/null   # builds the jar if missing
datasets/fetch-sotu.sh
mkdir -p docs/bench/overhead runs/overhead
# preset:k:executor heap MB:driver heap (θ, its broadcast blocks, the outer momentum, the mean Δ, one sum)
runs="${ONLY:-60m:2 60m:4 60m:8 150m:2 150m:4}"
for run in $runs; do
  preset="${run%%:*}"; k="${run##*:}"
  case "$preset" in
    60m) executor_mb=1536; driver=3g ;;
    150m) executor_mb=3584; driver=5g ;;
    *) echo "overhead.sh: no sizes for $preset" >&2; exit 2 ;;
  esac
  echo "[overhead] $preset k=$k" >&2
  DILOCO_LOCAL_CORES="$k" DILOCO_LOCAL_WORKER_CORES=1 DILOCO_LOCAL_EXECUTOR_MEMORY="$executor_mb" DRIVER_MEMORY="$driver" \
    ./submit.sh local overhead --report "docs/bench/overhead/$preset-k$k.json" -- \
      --data datasets/cache/sotu --preset "$preset" --context 32 --batch-size 1 --inner-steps 1 --warmup-steps 1 \
      --rounds 5 --workers "$k" --eval-every 0 --val-windows 2 --threads-per-worker 1 \
      --out "runs/overhead/$preset-k$k" --overwrite \
    > "docs/bench/overhead/$preset-k$k.log" 2>&1
  sed -n '/parameters (Δ/,$p' "docs/bench/overhead/$preset-k$k.log"
  rm -rf "runs/overhead/$preset-k$k"   # the checkpoint: GBs of θ and AdamW states
done
python3 docs/bench/overhead_table.py   # the table of docs/benchmarks.md
