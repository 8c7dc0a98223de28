#!/usr/bin/env bash
# The regime-map runs behind docs/experiments.md ("Where DiLoCo's gain appears"): the same model,
# data and budget as reproduce.sh, varied along one axis at a time. Two lanes share the 2 cores:
#   docs/experiments/regime.sh            (two lanes of everything below; the committed runs' wall times
#                                          sum to 4.3 h: about 2.2 h two at a time on 2 cores, plus the lanes
#                                          not run yet: H1, innerlr, drop 0.3, pool)
#   docs/experiments/regime.sh warm H ... (these lanes in parallel; a+b: a then b)
# Runs are resumable: rerunning continues where it stopped and reuses finished runs.
#   REPORT_ONLY=1 docs/experiments/regime.sh   redraws every report from the runs made so far
source "$(dirname "$0")/common.sh"   # ROOT, the jar copy, the corpus, MODEL and BASE
R=runs/experiments

# suite NAME OUT [runner and job options...]: run (this partition of) the suite, then draw the
# report of its finished runs into OUT and docs/results/$(basename OUT). REPORT_ONLY=1: only draw.
# Its charts compare with the 1-worker and 8x-batch rows of the suite in $REFS (table2's, unless a
# lane says otherwise).
REFS="$R/table2"
suite() {
  local name="$1" out="$2"; shift 2
  mkdir -p "$out"
  [ -n "${REPORT_ONLY:-}" ] || ./submit.sh experiments --suite "$name" --out "$out" "$@" >> "$out/runner.log" 2>&1
  local args=() skip=""
  for a in "$@"; do
    if [ "$a" = --partition ]; then skip=1; elif [ -n "$skip" ]; then skip=""; else args+=("$a"); fi
  done
  local refs=(); [ "$(basename "$out")" = "$(basename "$REFS")" ] || refs=(--references "$REFS")
  ./submit.sh experiments --suite "$name" --out "$out" "${args[@]}" "${refs[@]}" --report-only --allow-missing \
    > "$out/report.log" 2>&1
  mkdir -p "docs/results/$(basename "$out")"
  cp "$out"/results.md "$out"/results.json "$out"/*.png "docs/results/$(basename "$out")/"
}

# Warm start: 1,000 steps of one worker (the first third of a 3,000-step schedule), then table2's
# three rows and DiLoCo k=1 for 2,000 more steps each from that model.
lane_warm() {
  local pre="$R/warm/pretrain"
  if [ ! -f "$pre/model.safetensors" ] && [ -z "${REPORT_ONLY:-}" ]; then
    ./submit.sh train "${MODEL[@]}" --workers 1 --inner-steps 50 --rounds 20 --lr-decay-steps 3000 \
      --outer-optimizer sgd --outer-lr 1 --outer-momentum 0 --eval-every 2 \
      --out "$pre" --overwrite > "$R/warm/pretrain.log" 2>&1
  fi
  local warm=("${MODEL[@]}" --workers 8 --inner-steps 50 --total-inner-steps 2000 --init-from "$pre/model.safetensors")
  suite table2 "$R/table2-warm" "${warm[@]}"
  REFS="$R/table2-warm" suite workers "$R/workers-warm" --partition 0/7 "${warm[@]}"   # run 0 of the workers suite: k=1
}

# H at equal inner steps: H=10 and H=200 (runs 1 and 3 of the H suite).
lane_H() { suite H "$R/H" --partition 1/2 "${BASE[@]}"; }

# Outer optimizer at k=8: FedAvg and Adam (runs 1 and 2 of the outer suite; run 0, Nesterov, is
# the workers suite's k=8 i.i.d. run, copied in by the report step below).
lane_outer() { suite outer "$R/outer" --partition 1/3 "${BASE[@]}"; suite outer "$R/outer" --partition 2/3 "${BASE[@]}"; }

# One worker's outer step: DiLoCo k=1 (H=50, run 0 of the workers suite) with a smaller outer
# learning rate, with the paper's 0.7 reached by a 10-round outer warm-up, and decayed by a cosine.
lane_k1() {
  suite workers "$R/k1-outer-lr-0.3" --partition 0/7 "${BASE[@]}" --outer-lr 0.3
  suite workers "$R/k1-outer-warmup" --partition 0/7 "${BASE[@]}" --outer-lr-schedule warmup:10
  suite workers "$R/k1-outer-cosine" --partition 0/7 "${BASE[@]}" --outer-lr-schedule cosine
}

# The outer-lr schedule at k=8 (run 3 of the workers suite: k=8 i.i.d.): cosine from 0.7 to 0.07.
lane_sched() { suite workers "$R/k8-outer-cosine" --partition 3/7 "${BASE[@]}" --outer-lr-schedule cosine; }

# Model size: table2 (seed 0) with a 4x narrower-squared model (width 48 instead of 96).
lane_size() {
  local small=() prev=""
  for a in "${BASE[@]}"; do [ "$prev" = --d-model ] && a=48; small+=("$a"); prev="$a"; done
  suite table2 "$R/table2-d48" "${small[@]}"
}

# The inner lr at k=8 (run 3 of the workers suite: k=8 i.i.d.) at half the 1-worker-tuned 6e-3.
lane_innerlr() {
  local half=() prev=""
  for a in "${BASE[@]}"; do [ "$prev" = --inner-lr ] && a=3e-3; half+=("$a"); prev="$a"; done
  suite workers "$R/k8-inner-lr-3e-3" --partition 3/7 "${half[@]}"
}

# H=1 (run 0 of the H suite; its run 2, H=50, is the workers suite's k=8 i.i.d. run, copied in).
lane_H1() { suite H "$R/H" --partition 0/2 "${BASE[@]}"; }

# The drop suite at k=8 in two lanes: drop 0.1 and 0.3, and drop 0.5 (runs 1-3; run 0, drop 0.0,
# is the workers suite's k=8 i.i.d. run, copied in); then the pool suite.
lane_dropA() { suite drop "$R/drop" --partition 1/4 "${BASE[@]}"; suite drop "$R/drop" --partition 2/4 "${BASE[@]}"; }
lane_dropB() { suite drop "$R/drop" --partition 3/4 "${BASE[@]}"; }
lane_pool() { suite pool "$R/pool" "${BASE[@]}"; }

# Each argument is a lane; lanes run in parallel, a lane "a+b" runs a then b.
lanes=("$@"); [ ${#lanes[@]} -gt 0 ] || lanes=(warm+size+sched+dropA+innerlr+H1 H+k1+outer+dropB+pool)
for lane in "${lanes[@]}"; do
  ( IFS=+; for l in $lane; do "lane_$l"; done ) &
done
wait
