"""DiLoCo on Spark, every day, from Airflow: prepare the data, train, then evaluate on held-out text.

Tasks (SparkSubmitOperator, provider apache-airflow-providers-apache-spark):
  prepare   diloco.cli.Prepare of DATA in TOKENIZER's tokens into DATASET, with --skip-existing: the
            first run tokenizes the corpus once; later runs find the dataset and do nothing (a
            retried attempt after a failure removes the unfinished files and starts over).
  train     diloco.cli.Train from DATASET (streamed, never held in memory) into a dated run
            directory, RUNS/{{ ds }}, with --resume-if-present:
            a retried attempt runs the same command and continues from the newest checkpoint in
            that directory instead of starting over (see --checkpoint-every below).
  evaluate  diloco.cli.Evaluate of that run's model on HELDOUT, into RUNS/{{ ds }}/evaluation
            (evaluation.json: perplexity and bits per byte).

Install: copy this file (only this one) into the dags folder. Airflow needs:
  - a Spark connection, CONN_ID below (default spark_default): host "yarn" (with HADOOP_CONF_DIR
    on the Airflow worker) or "k8s://https://HOST:PORT", and spark-submit on the worker's PATH;
  - the application jar on a path spark-submit can read (./mvnw -B package builds
    spark-job/target/diloco-spark-job.jar; copy it to HDFS).

Airflow Variables, all optional (the defaults follow):
  diloco_jar      the application jar                             hdfs:///apps/diloco/diloco-spark-job.jar
  diloco_data     the training corpus that prepare reads            hdfs:///corpora/sotu
  diloco_tokenizer  bytes, or a tokenizer.json (./submit.sh tokenizer) bytes
  diloco_dataset  the prepared dataset train reads as --data      hdfs:///datasets/diloco/sotu
  diloco_heldout  the held-out corpus that evaluate scores        hdfs:///corpora/sotu-heldout
  diloco_runs     parent of the dated run directories             hdfs:///runs/diloco
  diloco_gpus     1: one GPU per executor (amounts and discovery script); read when this file is
                  parsed, since a setting can only be added to conf then (a template can change a
                  value, not add a key)                           0
  diloco_gpu_discovery_script  with diloco_gpus=1, shipped to each executor with --files (YARN)
                                                                  hdfs:///apps/diloco/getGpusResources.sh
The other Variables are read when a task runs (templates), so changing one needs no new DAG file.

Sizes are the module constants below: executors, cores and memory, and the run's options.
One DiLoCo worker computes per executor (spark.task.cpus = executor cores), so --workers is
NUM_EXECUTORS. spark.speculation stays off: a speculative copy of a worker would train twice.
deploy/airflow/check_dag.py reads this file without Airflow; AirflowDagTest runs the rendered
arguments through the job's own parser and --validate-only.
"""
from datetime import datetime, timedelta

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

try:  # Airflow 3
    from airflow.sdk import DAG, Variable
except ImportError:  # Airflow 2
    from airflow import DAG
    from airflow.models import Variable

CONN_ID = "spark_default"
DEPLOY_MODE = "cluster"  # the driver runs on the cluster, not on the Airflow worker

JAR = "{{ var.value.get('diloco_jar', 'hdfs:///apps/diloco/diloco-spark-job.jar') }}"
DATA = "{{ var.value.get('diloco_data', 'hdfs:///corpora/sotu') }}"
TOKENIZER = "{{ var.value.get('diloco_tokenizer', 'bytes') }}"
DATASET = "{{ var.value.get('diloco_dataset', 'hdfs:///datasets/diloco/sotu') }}"
HELDOUT = "{{ var.value.get('diloco_heldout', 'hdfs:///corpora/sotu-heldout') }}"
RUNS = "{{ var.value.get('diloco_runs', 'hdfs:///runs/diloco') }}"
RUN = RUNS + "/{{ ds }}"  # one run directory per day: a retry or a cleared task finds its own checkpoints

NUM_EXECUTORS = 8
EXECUTOR_CORES = 4
EXECUTOR_MEMORY = "8g"
EXECUTOR_MEMORY_OVERHEAD = "4g"  # off-heap room for PyTorch's native memory
DRIVER_MEMORY = "8g"

GPUS = Variable.get("diloco_gpus", "0") == "1"
GPU_DISCOVERY_SCRIPT = "{{ var.value.get('diloco_gpu_discovery_script', 'hdfs:///apps/diloco/getGpusResources.sh') }}"

PIECES = 8 * NUM_EXECUTORS  # token files of the dataset; training needs one per worker at least

# The job's options (diloco.cli.Train --help); evaluate reads the model's shape from the run.
TRAIN_OPTIONS = [
    "--workers", str(NUM_EXECUTORS),
    "--preset", "60m",
    "--inner-steps", "500",
    "--rounds", "64",
    "--batch-size", "16",
    "--checkpoint-every", "4",  # a retry repeats at most 4 rounds
    "--keep-checkpoints", "2",
]

SPARK_CONF = {
    "spark.executor.memoryOverhead": EXECUTOR_MEMORY_OVERHEAD,
    "spark.task.cpus": str(EXECUTOR_CORES),
    "spark.speculation": "false",
    "spark.driver.extraJavaOptions": "-Dai.djl.offline=true",
    "spark.executor.extraJavaOptions": "-Dai.djl.offline=true",
    "spark.yarn.maxAppAttempts": "1",  # Airflow retries, after retry_delay; YARN would retry at once
}
if GPUS:
    SPARK_CONF.update({
        "spark.executor.resource.gpu.amount": "1",
        "spark.task.resource.gpu.amount": "1",
        # shipped by --files into each YARN container's working directory (on Kubernetes: a path in the image)
        "spark.executor.resource.gpu.discoveryScript": "./getGpusResources.sh",
    })

SUBMIT = dict(
    conn_id=CONN_ID,
    deploy_mode=DEPLOY_MODE,
    application=JAR,
    conf=SPARK_CONF,
    files=GPU_DISCOVERY_SCRIPT if GPUS else None,
    num_executors=NUM_EXECUTORS,
    executor_cores=EXECUTOR_CORES,
    executor_memory=EXECUTOR_MEMORY,
    driver_memory=DRIVER_MEMORY,
)

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
        **SUBMIT,
    )
    train = SparkSubmitOperator(
        task_id="train",
        name="diloco-train-{{ ds }}",
        java_class="diloco.cli.Train",
        application_args=["--data", DATASET, "--out", RUN, "--resume-if-present", *TRAIN_OPTIONS],
        **SUBMIT,
    )
    evaluate = SparkSubmitOperator(
        task_id="evaluate",
        name="diloco-evaluate-{{ ds }}",
        java_class="diloco.cli.Evaluate",
        application_args=["--model", RUN, "--data", HELDOUT, "--out", RUN + "/evaluation"],
        **SUBMIT,
    )
    prepare >> train >> evaluate
