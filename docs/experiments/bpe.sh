#!/usr/bin/env bash
# The tokenizer row of docs/experiments.md: the paper's Table 2 comparison (1 worker, 1 worker with
# 8x batch, DiLoCo k=8, H=50; 3,000 inner steps per worker, seed 0) in the tokens of a byte-level
# BPE tokenizer learned from the default corpus (vocabulary 2,048: 1,792 merges), trained from a
# prepared dataset, next to the committed byte-level table2 runs, compared in bits per byte.
# Same model and budget in tokens as table2 (MODEL, BASE in common.sh); about 75 min on 2 cores.
# Resumable; REPORT_ONLY=1 only draws the report (into docs/results/table2-bpe).
source "$(dirname "$0")/common.sh"   # ROOT, the jar copy, the corpus, MODEL and BASE
out=runs/experiments/table2-bpe
tok=runs/experiments/tokenizer-2k
data=runs/experiments/sotu-2k
mkdir -p "$out"
[ -f "$tok/tokenizer.json" ] || ./submit.sh tokenizer --vocab-size 2048 --out "$tok" > "$out/tokenizer.log" 2>&1
./submit.sh prepare --tokenizer "$tok" --pieces 16 --out "$data" --skip-existing > "$out/prepare.log" 2>&1
if [ -z "${REPORT_ONLY:-}" ]; then
  for p in 0 1; do
    ./submit.sh experiments --suite table2 --seeds 0 --partition "$p/2" --out "$out" "${BASE[@]}" --data "$data" \
      > "$out/partition-$p.log" 2>&1 &
  done
  wait
fi
./submit.sh experiments --suite table2 --seeds 0 --report-only --allow-missing --out "$out" "${BASE[@]}" --data "$data" \
  > "$out/report.log" 2>&1   # no --references: its losses are per token, table2's per byte
mkdir -p docs/results/table2-bpe
cp "$out"/results.md "$out"/results.json "$out"/*.png "$tok/tokenizer.json" docs/results/table2-bpe/
cp "$out"/tokenizer.log docs/results/table2-bpe/tokenizer-log.txt   # how long learning the tokenizer took
cp "$out"/prepare.log docs/results/table2-bpe/prepare-log.txt
python3 docs/experiments/bpe_table.py > docs/results/table2-bpe/comparison.md
