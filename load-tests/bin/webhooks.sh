#!/usr/bin/env bash
# Webhook deliveries a second and the latency from an event's acceptance to its request's arrival
# (docs/benchmarks.md, "Webhooks"): a node in process (embedded PostgreSQL) delivering
# RATE events a second that each match INTEGRATIONS webhooks to a local receiver, against a bare loop
# of Vert.x's HTTP client posting the same requests at the same rate in the same run; then the same
# with the last of the INTEGRATIONS webhooks pointed at a host that answers after 2 s: the other
# webhooks' p99 (othersP99Ms) against theirs in the all-fast run, as slowOverFastOthersP99 in the summary.
#   load-tests/bin/webhooks.sh                         # 1,000 events/s, 5 webhooks, 3 runs of 15 s per form
#   RATE=500 SECONDS_PER_RUN=10 RUNS=3 load-tests/bin/webhooks.sh
# Wrap it in flock /tmp/drover-bench.lock on a shared machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RATE="${RATE:-1000}"
INTEGRATIONS="${INTEGRATIONS:-5}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-15}"
RUNS="${RUNS:-3}"
OUT="${OUT_DIR:-$ROOT/load-tests/target/webhooks-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
# the benchmark is compiled by the build (load-tests/src/main/java/io/drover/loadtests/bench); it runs on the hub's classes
mvn -B -q -o -f "$ROOT/pom.xml" -pl load-tests -am compile dependency:build-classpath -Dmdep.outputFile="$OUT/classpath.txt" -Dmdep.includeScope=compile >&2
java -Xmx2g -cp "$ROOT/load-tests/target/classes:$ROOT/hub/target/classes:$ROOT/gateway/target/classes:$ROOT/coap-protocol/target/classes:$(cat "$OUT/classpath.txt")" \
  io.drover.loadtests.bench.WebhooksBench "$RATE" "$INTEGRATIONS" "$SECONDS_PER_RUN" "$RUNS" 2> "$OUT/runs.log" | tee "$OUT/summary.json"
grep '^{' "$OUT/runs.log" >&2 || true
