#!/bin/bash
# The image's entrypoint: preloads the MKL fast-paths library (spark-job/src/main/native/mkl_fast_paths.c:
# libtorch's MKL then takes its fastest kernels on non-Intel CPUs; on Intel CPUs and GPUs it changes
# nothing), then hands over to Apache Spark's own entrypoint, which starts the driver or an executor.
# DILOCO_MKL_FAST_PATHS=0 in the pod's environment leaves it out (./submit.sh k8s sets that for the driver
# and the executors when it is set in the submitting shell).
lib="${DILOCO_MKL_FAST_PATHS_LIBRARY:-/opt/diloco/libdiloco_mkl_fast_paths.so}"
if [ "${DILOCO_MKL_FAST_PATHS:-1}" != 0 ] && [ -f "$lib" ]; then
  export LD_PRELOAD="$lib${LD_PRELOAD:+:$LD_PRELOAD}"
fi
exec "${DILOCO_SPARK_ENTRYPOINT:-/opt/entrypoint.sh}" "$@"
