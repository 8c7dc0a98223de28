#!/usr/bin/env bash
# Rewrites the README's option list (between the HELP markers) from the job's --help.
# DocsTest fails when the two differ; run this after changing an option.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests compile
./mvnw -q -B -pl spark-job dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
help="$(java -cp "spark-job/target/classes:$(cat spark-job/target/test-classpath.txt)" diloco.cli.Train --help 2>/dev/null)"
HELP="$help" python3 - <<'PY'
import os, re
text = open("README.md").read()
begin = text.index("<!-- BEGIN HELP")
start = text.index("```\n", begin) + 4
end = text.index("\n```", start)
open("README.md", "w").write(text[:start] + os.environ["HELP"].rstrip("\n") + text[end:])
PY
echo "README.md options updated"
