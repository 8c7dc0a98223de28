# Sourced by the scripts beside it: what every experiment script starts with. Builds the jar if it
# is missing, fetches the default corpus, runs from a copy of the jar (so rebuilding the project
# meanwhile cannot disturb the runs; removed when the script exits), one core per local process,
# and defines the model and budget of every run: a 0.37M-parameter byte-level GPT, 3,000 inner steps
# per worker, batch 16 x 64 tokens, the 1-worker baseline's tuned inner learning rate
# (docs/experiments.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
./submit.sh --help >/dev/null   # builds the jar if missing
datasets/fetch-sotu.sh
JAR_COPY="$(mktemp -d)"; cp spark-job/target/diloco-spark-job.jar "$JAR_COPY/"
trap 'rm -rf "$JAR_COPY"' EXIT
export DILOCO_JAR="$JAR_COPY/diloco-spark-job.jar" DILOCO_LOCAL_CORES=1

MODEL=(--data datasets/cache/sotu --preset small --layers 3 --d-model 96 --heads 4 --context 64
       --batch-size 16 --inner-lr 6e-3 --warmup-steps 100 --threads-per-worker 1 --val-windows 128)
BASE=("${MODEL[@]}" --workers 8 --inner-steps 50 --total-inner-steps 3000)

# A suite in two lanes on 2 cores (its runs split by --partition; resumable), then its report, copied
# into docs/results/SUITE: suite_in_two_lanes SUITE SEEDS REFERENCES JOB-OPTIONS..., REFERENCES a
# results directory whose runs the report also lists, or "" for none. REPORT_ONLY=1 only draws the report.
suite_in_two_lanes() {
  local suite=$1 seeds=$2 references=$3
  shift 3
  local out=runs/experiments/$suite
  mkdir -p "$out"
  if [ -z "${REPORT_ONLY:-}" ]; then
    for p in 0 1; do
      ./submit.sh experiments --suite "$suite" --seeds "$seeds" --partition "$p/2" --out "$out" "$@" \
        > "$out/partition-$p.log" 2>&1 &
    done
    wait
  fi
  ./submit.sh experiments --suite "$suite" --seeds "$seeds" --report-only --allow-missing --out "$out" "$@" \
    ${references:+--references "$references"} > "$out/report.log" 2>&1
  mkdir -p "docs/results/$suite"
  cp "$out"/results.md "$out"/results.json "$out"/*.png "docs/results/$suite/"
}
