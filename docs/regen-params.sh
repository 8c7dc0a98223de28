#!/usr/bin/env bash
# Rewrites the typed Param methods of diloco.ml.DiLoCo (between the GENERATED PARAMS markers) from
# the option table, diloco.config.Options. ParamsSourceTest fails when the two differ; run this
# after adding or changing an option.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests compile
./mvnw -q -B -pl spark-job dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
block="$(java -cp "spark-job/target/classes:$(cat spark-job/target/test-classpath.txt)" diloco.ml.ParamsSource)"
BLOCK="$block" python3 - <<'PY'
import os
path = "spark-job/src/main/java/diloco/ml/DiLoCo.java"
text = open(path).read()
begin = text.index("    // BEGIN GENERATED PARAMS")
end = text.index("    // END GENERATED PARAMS\n") + len("    // END GENERATED PARAMS\n")
open(path, "w").write(text[:begin] + os.environ["BLOCK"].rstrip("\n") + "\n" + text[end:])
PY
echo "DiLoCo.java Params updated"
