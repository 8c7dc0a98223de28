"""DiLoCo on Spark, every day, from Airflow: prepare the data, check the run, train, then evaluate on held-out text.

Written against Apache Airflow 3.3 and apache-airflow-providers-apache-spark 6.3.5 (its SparkSubmitOperator
arguments checked in the provider's source); it also parses on Airflow 2.11, the oldest that provider
supports. yarn_track_via_rm_api needs provider 6.1.0 or later.

Tasks (SparkSubmitOperator), in this order:
  prepare   diloco.cli.Prepare of DATA in TOKENIZER's tokens into DATASET, with --skip-existing: the
            first run tokenizes the corpus once; later runs find the dataset and do nothing (a
            retried attempt after a failure removes the unfinished files and starts over).
  validate  diloco.cli.Train with train's arguments plus --validate-only: every check a run makes
            before it writes (options, CONFIG's included, --data readable, --out usable, memory,
            session settings), then exit 0 with nothing written. No retries: bad input fails every
            attempt alike, and here it fails in minutes, before train takes the cluster.
  train     diloco.cli.Train from DATASET (streamed, never held in memory) into a dated run
            directory, RUNS/{{ ds }}, with --resume-if-present and the training options of one
            reviewed file, --config CONFIG (diloco-train.properties beside this file): a retried
            attempt runs the same command and continues from the newest checkpoint in that
            directory instead of starting over (see checkpoint-every in that file).
  evaluate  diloco.cli.Evaluate of that run's model on HELDOUT, into RUNS/{{ ds }}/evaluation
            (evaluation.json: perplexity and bits per byte).
Each task has an execution_timeout (the *_TIMEOUT constants, per attempt). Past it Airflow calls the
operator's on_kill, which kills the Spark application (YARN: through the ResourceManager; Kubernetes:
the driver pod is deleted), so a retry never runs beside the attempt it replaces.

Install: copy this file (only this one) into the dags folder, and diloco-train.properties, the
training options (model, steps, rounds, checkpoints), to the path in the Variable diloco_config:
  hdfs dfs -put -f deploy/airflow/diloco-train.properties /apps/diloco/
Airflow needs:
  - spark-submit on the worker's PATH, from the Spark distribution the cluster runs (since provider
    6.0 pip no longer installs pyspark, and its spark-submit, without the [pyspark] extra);
  - a Spark connection, CONN_ID below (default spark_default), one of:
      YARN: host "yarn", extra {"yarn_resourcemanager_webapp_address": "http://RM-HOST:8088"}, and
        HADOOP_CONF_DIR on the worker. The tasks follow the application through the ResourceManager's
        REST API (yarn_track_via_rm_api): spark-submit exits once YARN accepts it, and on Airflow 3.3+
        (durable execution, on by default) a retry after a worker crash reconnects to the running
        application instead of submitting a second one into the same run directory. Since provider
        6.2, YARN cluster mode on Airflow 3.3+ fails without it (or durable=False).
      Kubernetes: host "k8s://https://HOST:PORT", extra {"namespace": "NAMESPACE"}; ON_KUBERNETES =
        True below; the provider's [cncf.kubernetes] extra (its hook refuses a k8s master without it);
        the Variable diloco_image. The jar and the Variables' paths must be readable from the pods
        (diloco_jar is usually a local:///... path inside the image);
  - the application jar on a path spark-submit can read (./mvnw -B package builds
    spark-job/target/diloco-spark-job.jar; copy it to HDFS).

Airflow Variables (the defaults follow):
  diloco_jar      the application jar                             hdfs:///apps/diloco/diloco-spark-job.jar
  diloco_data     the training corpus that prepare reads            hdfs:///corpora/sotu
  diloco_tokenizer  bytes, or a tokenizer.json (./submit.sh tokenizer) bytes
  diloco_dataset  the prepared dataset train reads as --data      hdfs:///datasets/diloco/sotu
  diloco_heldout  the held-out corpus that evaluate scores        hdfs:///corpora/sotu-heldout
  diloco_runs     parent of the dated run directories             hdfs:///runs/diloco
  diloco_config   the training options (--config) of validate and train
                                                                  hdfs:///apps/diloco/diloco-train.properties
  diloco_image    Kubernetes only: the container image (spark.kubernetes.container.image) no default
  diloco_gpu_discovery_script  with GPUS: on YARN a file shipped to each executor with --files
                                                                  hdfs:///apps/diloco/getGpusResources.sh
                  on Kubernetes a path inside the image, since the script runs as the executor starts
                                              /opt/spark/examples/src/main/scripts/getGpusResources.sh
Every Variable is read when a task runs (a template), never when this file is parsed: Airflow parses
it every 30 seconds by default, and Variable.get in top-level code would query the metadata database
each time (Airflow's best practices advise templates). So changing a Variable needs no new DAG file.
GPUS and ON_KUBERNETES are constants instead: they decide which Spark settings and arguments exist,
and a template can change a value but not add a key, so they would have to be read at parse time. A
constant in this file also holds alike in every process that parses it (DAG processor, workers),
which an environment variable read at parse time would not.

Sizes are the module constants below: executors, cores and memory. The run's options are in the
file diloco_config names, read by the job's driver when validate and train start (so the next run
takes an edit, with no new DAG file); validate reads the same file just before train, so it checks
what train will run. On the command line, which wins over the file, stay what differs per run
(--data, --out, --resume-if-present; --validate-only) and --workers: one DiLoCo worker computes per
executor (spark.task.cpus = executor cores), so --workers is NUM_EXECUTORS, a size of this file.
spark.speculation stays off: a speculative copy of a worker would train twice.
deploy/airflow/check_dag.py reads this file without Airflow; AirflowDagTest runs the rendered
arguments through the job's own parser and --validate-only.
"""
from datetime import datetime, timedelta

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

CONN_ID = "spark_default"
DEPLOY_MODE = "cluster"  # the driver runs on the cluster, not on the Airflow worker
ON_KUBERNETES = False  # True when CONN_ID's host is k8s://...: the connection itself is read only when a task runs
GPUS = False  # True: one GPU per executor and per task

JAR = "{{ var.value.get('diloco_jar', 'hdfs:///apps/diloco/diloco-spark-job.jar') }}"
DATA = "{{ var.value.get('diloco_data', 'hdfs:///corpora/sotu') }}"
TOKENIZER = "{{ var.value.get('diloco_tokenizer', 'bytes') }}"
DATASET = "{{ var.value.get('diloco_dataset', 'hdfs:///datasets/diloco/sotu') }}"
HELDOUT = "{{ var.value.get('diloco_heldout', 'hdfs:///corpora/sotu-heldout') }}"
RUNS = "{{ var.value.get('diloco_runs', 'hdfs:///runs/diloco') }}"
CONFIG = "{{ var.value.get('diloco_config', 'hdfs:///apps/diloco/diloco-train.properties') }}"
RUN = RUNS + "/{{ ds }}"  # one run directory per day: a retry or a cleared task finds its own checkpoints
IMAGE = "{{ var.value.diloco_image }}"  # no default: a missing image fails the task before spark-submit runs
if ON_KUBERNETES:
    GPU_DISCOVERY_SCRIPT = ("{{ var.value.get('diloco_gpu_discovery_script', "
                            "'/opt/spark/examples/src/main/scripts/getGpusResources.sh') }}")
else:
    GPU_DISCOVERY_SCRIPT = "{{ var.value.get('diloco_gpu_discovery_script', 'hdfs:///apps/diloco/getGpusResources.sh') }}"

NUM_EXECUTORS = 8
EXECUTOR_CORES = 4
EXECUTOR_MEMORY = "8g"
# off-heap room for PyTorch's native memory: the JVM's own, libtorch's, and a training step's, which the job
# estimates from the model and batch and checks before its first round (the options file's batch-size 4: ~6 GiB)
EXECUTOR_MEMORY_OVERHEAD = "6g"
DRIVER_MEMORY = "8g"

# Per attempt: a retry gets its own. Train's retry resumes, so a timed-out attempt loses at most 4 rounds.
PREPARE_TIMEOUT = timedelta(hours=3)  # the first run tokenizes the corpus; later runs find it in minutes
VALIDATE_TIMEOUT = timedelta(minutes=30)  # checks only: most of it is the cluster starting the driver
TRAIN_TIMEOUT = timedelta(hours=20)  # a day's run ends within the day (max_active_runs=1 holds the next)
EVALUATE_TIMEOUT = timedelta(hours=2)

PIECES = 8 * NUM_EXECUTORS  # token files of the dataset; training needs one per worker at least

# train's command line, which validate checks as it stands: the job's options (diloco.cli.Train --help)
# from CONFIG, the per-run ones and --workers here (the command line wins). Evaluate reads the model's
# shape from the run.
TRAIN_ARGS = ["--config", CONFIG, "--data", DATASET, "--out", RUN, "--resume-if-present",
              "--workers", str(NUM_EXECUTORS)]

SPARK_CONF = {
    "spark.executor.memoryOverhead": EXECUTOR_MEMORY_OVERHEAD,
    "spark.dynamicAllocation.enabled": "false",  # the executors hold the workers' state for the whole run
    "spark.task.cpus": str(EXECUTOR_CORES),
    "spark.speculation": "false",
    "spark.driver.extraJavaOptions": "-Dai.djl.offline=true",
    "spark.executor.extraJavaOptions": "-Dai.djl.offline=true",
}
if ON_KUBERNETES:
    SPARK_CONF["spark.kubernetes.container.image"] = IMAGE
else:
    SPARK_CONF["spark.yarn.maxAppAttempts"] = "1"  # Airflow retries, after retry_delay; YARN would retry at once
if GPUS:
    SPARK_CONF.update({
        "spark.executor.resource.gpu.amount": "1",
        "spark.task.resource.gpu.amount": "1",
        # YARN: --files puts it, under this name, in each container's working directory before the executor starts
        "spark.executor.resource.gpu.discoveryScript": GPU_DISCOVERY_SCRIPT if ON_KUBERNETES else "./getGpusResources.sh",
    })
    if ON_KUBERNETES:
        SPARK_CONF["spark.executor.resource.gpu.vendor"] = "nvidia.com"  # the pods request nvidia.com/gpu

SUBMIT = dict(
    conn_id=CONN_ID,
    deploy_mode=DEPLOY_MODE,
    application=JAR,
    conf=SPARK_CONF,
    files=GPU_DISCOVERY_SCRIPT + "#getGpusResources.sh" if GPUS and not ON_KUBERNETES else None,
    num_executors=NUM_EXECUTORS,
    executor_cores=EXECUTOR_CORES,
    executor_memory=EXECUTOR_MEMORY,
    driver_memory=DRIVER_MEMORY,
)
if not ON_KUBERNETES:
    # follow the application through the ResourceManager (see above); the provider's hook refuses this off YARN
    SUBMIT["yarn_track_via_rm_api"] = True

with DAG(
    dag_id="diloco_daily",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,  # runs share the cluster: one day's training at a time
    default_args={
        "owner": "diloco",
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
    },
    tags=["diloco", "spark"],
) as dag:
    prepare = SparkSubmitOperator(
        task_id="prepare",
        name="diloco-prepare-{{ ds }}",
        java_class="diloco.cli.Prepare",
        application_args=["--data", DATA, "--tokenizer", TOKENIZER, "--pieces", str(PIECES), "--out", DATASET,
                          "--skip-existing"],
        execution_timeout=PREPARE_TIMEOUT,
        **SUBMIT,
    )
    validate = SparkSubmitOperator(
        task_id="validate",
        name="diloco-validate-{{ ds }}",
        java_class="diloco.cli.Train",
        application_args=[*TRAIN_ARGS, "--validate-only"],
        retries=0,  # the same input fails the same way; clear the task to check again
        execution_timeout=VALIDATE_TIMEOUT,
        **SUBMIT,
    )
    train = SparkSubmitOperator(
        task_id="train",
        name="diloco-train-{{ ds }}",
        java_class="diloco.cli.Train",
        application_args=TRAIN_ARGS,
        execution_timeout=TRAIN_TIMEOUT,
        **SUBMIT,
    )
    evaluate = SparkSubmitOperator(
        task_id="evaluate",
        name="diloco-evaluate-{{ ds }}",
        java_class="diloco.cli.Evaluate",
        application_args=["--model", RUN, "--data", HELDOUT, "--out", RUN + "/evaluation"],
        execution_timeout=EVALUATE_TIMEOUT,
        **SUBMIT,
    )
    prepare >> validate >> train >> evaluate
