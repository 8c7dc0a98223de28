#!/usr/bin/env bash
# Rewrites spark-job/src/main/java/diloco/ml/DiLoCoParams.java (the typed Param methods of
# diloco.ml.DiLoCo) from the option table, diloco.config.Options. ParamsSourceTest fails when the
# two differ; run this after adding or changing an option.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -pl spark-job dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
# ParamsSource alone, with what it imports from the sources (javac follows them): a DiLoCoParams.java
# that no longer compiles, after an option was renamed or removed, must not stop its regeneration
classes=spark-job/target/regen-params
rm -rf "$classes"
javac --release 17 -nowarn -d "$classes" -cp "$(cat spark-job/target/test-classpath.txt)" \
    -sourcepath spark-job/src/main/java spark-job/src/main/java/diloco/ml/ParamsSource.java
file=spark-job/src/main/java/diloco/ml/DiLoCoParams.java
# Rendered beside the file first, so a failed run leaves the file as it was
java -cp "$classes:$(cat spark-job/target/test-classpath.txt)" diloco.ml.ParamsSource > "$file.new"
mv "$file.new" "$file"
echo "DiLoCoParams.java updated"
