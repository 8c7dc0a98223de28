#!/usr/bin/env bash
# Issue 18 §1: whether DJL's PyTorch engine can make or cast to bfloat16; writes docs/bench/bf16-probe.txt.
# Run from the repository root after ./mvnw -B -DskipTests package.
set -uo pipefail
CP=spark-job/target/diloco-spark-job.jar:$(cat spark-job/target/spark-classpath.txt)
out=$(mktemp -d)
javac -d "$out" -cp "$CP" docs/bench/Bf16Probe.java || exit 1
{
  echo "# $(date -u +%F)"
  (java -Dai.djl.offline=true -cp "$CP:$out" Bf16Probe 2>&1; echo "# exit status: $?") | grep -v ' WARN '

} | tee docs/bench/bf16-probe.txt
