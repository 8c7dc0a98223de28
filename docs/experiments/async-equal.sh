#!/usr/bin/env bash
# A control for the heterogeneous suite: asynchronous DiLoCo (Delayed Nesterov) with k=4 workers of
# EQUAL speed on the virtual clock, at the suite's model and budget (60 rounds of H=50). With equal
# paces the synchronous run is the suite's "sync" rows (the virtual clock does not change what
# sync computes), so this one run says how much of async's gap comes from asynchrony itself rather
# than from the slow worker. Writes docs/results/async-equal/ (metrics.jsonl, run.json).
source "$(dirname "$0")/common.sh"   # ROOT, the jar copy, the corpus, MODEL
out=runs/experiments/async-equal
if [ ! -f "$out/model.safetensors" ]; then
  ./submit.sh local "${MODEL[@]}" --workers 4 --inner-steps 50 --rounds 60 --sync async --clock virtual \
    --out "$out" --overwrite > "$out.log" 2>&1
fi
mkdir -p docs/results/async-equal
cp "$out"/metrics.jsonl "$out"/run.json docs/results/async-equal/
