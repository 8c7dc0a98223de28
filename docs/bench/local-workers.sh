#!/usr/bin/env bash
# The demo's workers one after another in one JVM (local[N], all cores per worker) against
# several at once (local-cluster, one executor JVM and DILOCO_LOCAL_WORKER_CORES cores each), for
# the demo's `small` model and for `tiny`. Writes docs/bench/local-workers.json (wall seconds,
# Σ sec_round, mean inner seconds per worker per round, final validation loss) and each run's
# metrics.jsonl as docs/bench/local-workers-<preset>-<layout>.jsonl. Run on an idle machine:
#
#   bash docs/bench/local-workers.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
cores="${DILOCO_LOCAL_CORES:-$(nproc)}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
results=()
for preset in small tiny; do
  for layout in one-jvm at-once; do
    if [ "$layout" = one-jvm ]; then per_worker="$cores"; else per_worker=1; fi
    start=$(date +%s.%N)
    DILOCO_LOCAL_CORES="$cores" DILOCO_LOCAL_WORKER_CORES="$per_worker" ./submit.sh local train \
      --preset "$preset" --workers 4 --inner-steps 50 --rounds 6 --batch-size 16 --inner-lr 3e-3 \
      --warmup-steps 50 --eval-every 2 --out "$out/$preset-$layout" --overwrite > "$out/$preset-$layout.log" 2>&1 \
      || { tail -20 "$out/$preset-$layout.log"; exit 1; }
    end=$(date +%s.%N)
    cp "$out/$preset-$layout/metrics.jsonl" "docs/bench/local-workers-$preset-$layout.jsonl"
    results+=("$preset $layout $per_worker $start $end")
    echo "$preset $layout done" >&2
  done
done
printf '%s\n' "${results[@]}" > "$out/times"
DATE="$(date -u +%F)" CORES="$cores" python3 - "$out/times" <<'PY'
import json, os, sys
rows = []
for line in open(sys.argv[1]):
    preset, layout, per_worker, start, end = line.split()
    ms = [json.loads(l) for l in open(f"docs/bench/local-workers-{preset}-{layout}.jsonl")]
    rows.append({"preset": preset, "layout": layout, "cores_per_worker": int(per_worker),
                 "sec_wall": round(float(end) - float(start), 1),
                 "sec_rounds": round(sum(m["sec_round"] for m in ms), 1),
                 "sec_inner_mean": round(sum(m["sec_inner_mean"] for m in ms) / len(ms), 2),
                 "threads": sorted({s["threads"] for m in ms for s in m["state_source"]}),
                 "executors": len({s["executor"] for m in ms for s in m["state_source"]}),
                 "val_loss_end": ms[-1]["val_loss"]})
print("| preset | layout | cores per worker | wall s | sum sec_round | inner s per worker-round | final val loss |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    print("| %s | %s | %d | %.1f | %.1f | %.2f | %.4f |" % (r["preset"], r["layout"], r["cores_per_worker"],
          r["sec_wall"], r["sec_rounds"], r["sec_inner_mean"], r["val_loss_end"]))
json.dump({"machine_cores": int(os.environ["CORES"]), "date": os.environ["DATE"],
           "command": "bash docs/bench/local-workers.sh", "runs": rows},
          open("docs/bench/local-workers.json", "w"), indent=1)
PY
