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
