#!/usr/bin/env bash
# A worker whose data exceeds its executor's heap: the default corpus copied COPIES times (distinct
# file names) is prepared with the byte tokenizer (2 bytes a token on disk), then one worker trains
# on all of it, streamed, in an executor JVM of HEAP_MB heap (local-cluster: the worker runs in an
# executor JVM of its own, not in the driver; Spark's minimum heap is 450 MB). Writes
# docs/bench/streamed.json: the dataset's size, the heap, the worker's tokens, the run's exit
# status and its last round; and the run's log, docs/bench/streamed-train.txt.
#
#   bash docs/bench/streamed.sh        (COPIES=30 HEAP_MB=512: ~660 MB of tokens against 512 MB)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
copies="${COPIES:-30}"
heap="${HEAP_MB:-512}"
datasets/fetch-sotu.sh >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 "$copies"); do
  mkdir -p "$work/corpus/copy-$i"
  cp datasets/cache/sotu/* "$work/corpus/copy-$i/"
done
./submit.sh prepare --data "$work/corpus" --tokenizer bytes --pieces 4 --val-fraction 0 --out "$work/ds" \
  > "$work/prepare.log" 2>&1 || { tail -20 "$work/prepare.log"; exit 1; }
status=0
DILOCO_LOCAL_CORES=2 DILOCO_LOCAL_WORKER_CORES=1 DILOCO_LOCAL_EXECUTOR_MEMORY="$heap" ./submit.sh local train --data "$work/ds" \
  --val-fraction 0 --preset tiny --workers 1 --inner-steps 20 --rounds 2 --batch-size 8 \
  --out "$work/run" > "$work/train.log" 2>&1 || status=$?
cp "$work/train.log" docs/bench/streamed-train.txt
HEAP="$heap" STATUS="$status" WORK="$work" python3 - <<'PY'
import json, os
work = os.environ["WORK"]
manifest = json.load(open(os.path.join(work, "ds", "manifest.json")))
pieces = manifest["pieces"]
metrics = [json.loads(l) for l in open(os.path.join(work, "run", "metrics.jsonl"))] if os.path.exists(
    os.path.join(work, "run", "metrics.jsonl")) else []
out = {
    "dataset_token_bytes": sum(p["file_bytes"] for p in pieces),
    "dataset_tokens": manifest["tokens"],
    "executor_heap_mb": int(os.environ["HEAP"]),
    "workers": 1,
    "exit_status": int(os.environ["STATUS"]),
    "rounds": len(metrics),
    "last_round": metrics[-1] if metrics else None,
}
json.dump(out, open("docs/bench/streamed.json", "w"), indent=2)
print(json.dumps({k: v for k, v in out.items() if k != "last_round"}))
PY
