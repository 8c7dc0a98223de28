#!/usr/bin/env bash
# Issue 18 §2: the inner step under libtorch's two CPU matmul kernels (oneMKL, oneDNN), without and
# with the MKL fast paths, and eager PyTorch on the same models in the same run; then oneDNN in fresh
# processes with glibc's default malloc settings and with freed memory kept (as the worker does); writes
# docs/bench/onednn-probe.txt. Run from the repository root after ./mvnw -B -DskipTests package.
set -uo pipefail
CP=spark-job/target/diloco-spark-job.jar:$(cat spark-job/target/spark-classpath.txt)
MODELS=(small L2-D96-H4-T64)
out=$(mktemp -d)
javac -d "$out" -cp "$CP" docs/bench/OnednnProbe.java || exit 1
probe() { java -Dai.djl.offline=true -cp "$CP:$out" diloco.engine.OnednnProbe "$@" "${MODELS[@]}" 2>&1 | grep -v ' WARN '; }
torch_side() {
  for spec in "4 128 4 128" "2 96 4 64"; do
    set -- $spec
    /usr/bin/python3 spark-job/src/main/resources/diloco/bench/torch_inner_step.py --threads 1 --layers "$1" \
      --d-model "$2" --heads "$3" --context "$4" --batch 16 --steps 10 --repeats 3
  done
}
{
  echo "# $(date -u +%F) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  echo "## this job, oneMKL's default kernels (no preload)"; probe
  echo "## eager PyTorch (Debian, OpenBLAS): small, then L2-D96-H4-T64"; torch_side
  echo "## this job, MKL fast paths preloaded"
  LD_PRELOAD=$PWD/spark-job/target/libdiloco_mkl_fast_paths.so probe
  echo "## this job, oneMKL's default kernels (no preload), again"; probe
  echo "## eager PyTorch again"; torch_side
  echo "## oneDNN from a fresh process's first step (no preload): glibc's default, then keeping freed memory, twice"
  for _ in 1 2; do probe fresh; probe fresh-kept; done
} | tee docs/bench/onednn-probe.txt
