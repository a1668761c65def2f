#!/usr/bin/env bash
# Tracker settings checksum checks per second at the handshake with DEVICES devices in the hub's
# ConfigIndex, against a plain HashMap lookup in the same run, plus the cost of a fleet change
# (docs/benchmarks.md, "Tracker settings"). In process: no node, no network.
#   load-tests/bin/tracker-config-check.sh            # 1,000,000 devices, 5 counted runs
#   DEVICES=100000 RUNS=3 load-tests/bin/tracker-config-check.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEVICES="${DEVICES:-1000000}"
RUNS="${RUNS:-5}"
OUT="$ROOT/load-tests/target/tracker-config-check"
mkdir -p "$OUT"
# the benchmark is compiled by the build (load-tests/src/main/java/io/drover/loadtests/bench); it runs on the hub's classes
mvn -B -q -o -f "$ROOT/pom.xml" -pl load-tests -am compile dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" -Dmdep.includeScope=compile >&2
java -Xmx3g -XX:+UseParallelGC -cp "$ROOT/load-tests/target/classes:$(cat "$OUT/classpath.txt")" io.drover.loadtests.bench.ConfigCheckBench "$DEVICES" "$RUNS" \
  2> "$OUT/runs.jsonl" | tee "$OUT/summary.json"
cat "$OUT/runs.jsonl" >&2
