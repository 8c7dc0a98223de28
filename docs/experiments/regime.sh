#!/usr/bin/env bash
# The regime-map runs behind docs/experiments.md ("Where DiLoCo's gain appears"): the same model,
# data and budget as reproduce.sh, varied along one axis at a time. Two lanes share the 2 cores:
#   docs/experiments/regime.sh            (both lanes; about 2 hours on a 2-core machine)
#   docs/experiments/regime.sh warm|H|outer|k1   (one lane)
# Runs are resumable: rerunning continues where it stopped and reuses finished runs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
./submit.sh --help >/dev/null   # builds the jar if missing
datasets/fetch-sotu.sh
copy="$(mktemp -d)"; cp spark-job/target/diloco-spark-job.jar "$copy/"
export DILOCO_JAR="$copy/diloco-spark-job.jar" DILOCO_LOCAL_CORES=1

MODEL=(--data datasets/cache/sotu --preset small --layers 3 --d-model 96 --heads 4 --context 64
       --batch-size 16 --inner-lr 6e-3 --warmup-steps 100 --threads-per-worker 1 --val-windows 128)
BASE=("${MODEL[@]}" --workers 8 --inner-steps 50 --total-inner-steps 3000)
R=runs/experiments

suite() {  # suite NAME OUT [runner and job options...]: run it, then draw its report
  local name="$1" out="$2"; shift 2
  mkdir -p "$out"
  ./submit.sh experiments --suite "$name" --out "$out" "$@" >> "$out/runner.log" 2>&1
}

# Warm start: 1,000 steps of one worker (the first third of a 3,000-step schedule), then table2's
# three rows and DiLoCo k=1 for 2,000 more steps each from that model.
lane_warm() {
  local pre="$R/warm/pretrain"
  if [ ! -f "$pre/model.safetensors" ]; then
    ./submit.sh train "${MODEL[@]}" --workers 1 --inner-steps 50 --rounds 20 --lr-decay-steps 3000 \
      --outer-optimizer sgd --outer-lr 1 --outer-momentum 0 --eval-every 2 \
      --out "$pre" --overwrite > "$R/warm/pretrain.log" 2>&1
  fi
  local warm=("${MODEL[@]}" --workers 8 --inner-steps 50 --total-inner-steps 2000 --init-from "$pre/model.safetensors")
  suite table2 "$R/table2-warm" "${warm[@]}"
  suite workers "$R/workers-warm" --partition 0/7 "${warm[@]}"   # run 0 of the workers suite: k=1
}

# H at equal inner steps: H=10 and H=200 (runs 1 and 3 of the H suite).
lane_H() { suite H "$R/H" --partition 1/2 "${BASE[@]}"; }

# Outer optimizer at k=8: FedAvg and Adam (runs 1 and 2 of the outer suite; run 0, Nesterov, is
# the workers suite's k=8 i.i.d. run, copied in by the report step below).
lane_outer() { suite outer "$R/outer" --partition 1/3 "${BASE[@]}"; suite outer "$R/outer" --partition 2/3 "${BASE[@]}"; }

# One worker's outer step: DiLoCo k=1 (H=50) with smaller outer learning rates.
lane_k1() {
  for lr in 0.5 0.3; do
    suite workers "$R/k1-outer-lr-$lr" --partition 0/7 "${BASE[@]}" --outer-lr "$lr"
  done
}

lanes=("$@"); [ ${#lanes[@]} -gt 0 ] || lanes=(warm H)
for lane in "${lanes[@]}"; do "lane_$lane" & done
wait
rm -rf "$copy"
