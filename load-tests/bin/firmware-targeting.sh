#!/usr/bin/env bash
# Targeting decisions per second with DEVICES devices in the index, against a plain HashMap lookup in
# the same run, and the time to compute a release's impact over the product (docs/benchmarks.md,
# "Firmware targeting"). In process: no node, no network; the index is the hub's own class.
#   load-tests/bin/firmware-targeting.sh            # 1,000,000 devices, 5 counted runs
#   DEVICES=100000 RUNS=3 load-tests/bin/firmware-targeting.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEVICES="${DEVICES:-1000000}"
RUNS="${RUNS:-5}"
OUT="$ROOT/load-tests/target/firmware-targeting"
mkdir -p "$OUT"
# the benchmark is compiled by the build (load-tests/src/main/java/io/drover/loadtests/bench); it runs on the hub's classes
mvn -B -q -o -f "$ROOT/pom.xml" -pl load-tests -am compile dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" -Dmdep.includeScope=compile >&2
java -Xmx3g -XX:+UseParallelGC -cp "$ROOT/load-tests/target/classes:$(cat "$OUT/classpath.txt")" io.drover.loadtests.bench.TargetingBench "$DEVICES" "$RUNS" \
  2> "$OUT/runs.jsonl" | tee "$OUT/summary.json"
cat "$OUT/runs.jsonl" >&2
