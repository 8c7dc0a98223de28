#!/usr/bin/env bash
# The agreement of the workers' outer gradients (outer_grad_agreement in metrics.jsonl: |mean D|^2 /
# mean |D_i|^2, 1 when the workers agree, about 1/k when orthogonal) under what issue 16 asks about:
# i.i.d. against non-i.i.d. shards (--shard-by the year of each address), two runs of the table2
# model with k=4, H=50, 600 inner steps per worker; and a slow worker, read from the heterogeneous
# suite's runs (docs/experiments/heterogeneous.sh first). Writes docs/results/agreement/.
source "$(dirname "$0")/common.sh"   # ROOT, the jar copy, the corpus, MODEL
out=runs/experiments/agreement
mkdir -p "$out"
for shards in iid noniid; do
  extra=(); [ "$shards" = noniid ] && extra=(--shard-by '^(\d{4})')
  if [ ! -f "$out/$shards/model.safetensors" ]; then
    ./submit.sh local "${MODEL[@]}" --workers 4 --inner-steps 50 --rounds 12 "${extra[@]}" \
      --out "$out/$shards" --overwrite > "$out/$shards.log" 2>&1
  fi
done
mkdir -p docs/results/agreement
python3 docs/experiments/agreement_table.py "$out" runs/experiments/heterogeneous/runs docs/results/agreement
