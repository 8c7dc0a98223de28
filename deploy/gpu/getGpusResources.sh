#!/usr/bin/env bash
# Spark's GPU discovery script for DiLoCo executors (spark.executor.resource.gpu.discoveryScript):
# prints the addresses of the GPUs this host's driver sees, in the JSON Spark reads, e.g.
#   {"name": "gpu", "addresses": ["0", "1"]}
# Spark gives each task the addresses it assigned (spark.task.resource.gpu.amount); a DiLoCo worker
# computes on the first (--device auto or gpu).
set -euo pipefail
command -v nvidia-smi >/dev/null || { echo "getGpusResources.sh: nvidia-smi not found on $(hostname)" >&2; exit 1; }
addresses=$(nvidia-smi --query-gpu=index --format=csv,noheader | awk 'NF { printf "%s\"%s\"", sep, $1; sep = ", " }')
echo "{\"name\": \"gpu\", \"addresses\": [${addresses}]}"
