#!/usr/bin/env bash
# Console and API users against a node with Gatling (load-tests/gatling, ConsoleSimulation), beside
# the device swarm that keeps their devices online and answers their calls; leaves Gatling's HTML
# report and a summary.md of it.
#
#   load-tests/bin/gatling.sh                                        # defaults below; ~3 minutes after the build
#   CONSOLE_USERS=20 STREAM_USERS=5 RAMP_S=10 load-tests/bin/gatling.sh   # a quick look
#
# In one run it:
#   1. builds the node, the swarm and the simulations (SKIP_BUILD=1 skips; `mvn package`, never
#      install), then takes /tmp/drover-bench.lock (flock) for the rest, so no other benchmark runs beside it;
#   2. starts a node with a fresh data dir (embedded PostgreSQL) on free loopback ports;
#   3. console-setup, through the API: ACCOUNTS accounts with random passwords, each with
#      DEVICES_PER_USER device identities and a claim code for each; 2 fleet managers (administrators);
#      a product with PRODUCT_DEVICES imported devices;
#   4. a swarm holds the accounts' devices over MQTT (--answer-calls: function led, variables temp and
#      uptime), reports the claim codes, and publishes EVENT_RATE events/s named "load" (QoS 0);
#      console-ready waits until every account lists its devices, online;
#   5. Gatling, ramping each population over RAMP_S seconds:
#      CONSOLE_USERS console users (log in, list devices, then ACTIONS times: open a device, call led,
#      read temp, think THINK_MS), STREAM_USERS stream users (log in, open the event stream, wait for
#      the first event, hold it STREAM_HOLD_S seconds, close), MANAGER_USERS fleet managers (log in,
#      page 1 of the product's devices, then ACTIONS random pages);
#   6. writes summary.md (requests/s, p50/p95/p99 and errors per request kind, from the report's
#      statistics table, ReportTable) into OUT_DIR, prints where the HTML report is, and stops everything it started.
# The run fails when more than MAX_FAILED_PERCENT % of the requests fail (Gatling's assertion).
# Only loopback addresses are used; the swarm has a deadline and stops by itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ACCOUNTS="${ACCOUNTS:-30}"
DEVICES_PER_USER="${DEVICES_PER_USER:-3}"
PRODUCT_DEVICES="${PRODUCT_DEVICES:-1000}"
CONSOLE_USERS="${CONSOLE_USERS:-60}"
STREAM_USERS="${STREAM_USERS:-20}"
MANAGER_USERS="${MANAGER_USERS:-6}"
RAMP_S="${RAMP_S:-60}"
ACTIONS="${ACTIONS:-10}"
THINK_MS="${THINK_MS:-1000}"
STREAM_HOLD_S="${STREAM_HOLD_S:-30}"
EVENT_RATE="${EVENT_RATE:-30}"
MAX_FAILED_PERCENT="${MAX_FAILED_PERCENT:-1}"
SIMULATION="${SIMULATION:-io.drover.loadtests.gatling.ConsoleSimulation}"
GATLING_JAVA_OPTS="${GATLING_JAVA_OPTS:--Xmx1g}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/gatling-$(date +%Y%m%d-%H%M%S)}"
SKIP_BUILD="${SKIP_BUILD:-0}"
BENCH_LOCK="${BENCH_LOCK:-/tmp/drover-bench.lock}"

# The build runs before the lock (it takes minutes and measures nothing); the run itself under it.
if [[ -z "${DROVER_BENCH_LOCKED:-}" ]]; then
  if [[ "$SKIP_BUILD" != 1 ]]; then
    # package, never install: a run must not replace the artifacts in ~/.m2 that other builds read
    echo "$(date +%H:%M:%S) building (mvn -B -q package -DskipTests: node, swarm, simulations)" >&2
    (cd "$ROOT" && mvn -B -q -pl coap-protocol,gateway,hub,load-tests,load-tests/gatling -am package -DskipTests) >&2 \
      || { echo "build failed" >&2; exit 1; }
  fi
  echo "$(date +%H:%M:%S) waiting for $BENCH_LOCK" >&2
  OUT_DIR="$OUT_DIR" SKIP_BUILD=1 DROVER_BENCH_LOCKED=1 exec flock "$BENCH_LOCK" "$0" "$@"
fi

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

# Gatling's classpath: the simulations and the gatling module's test dependencies (Gatling's own Netty),
# without the node and the swarm, which the smoke test alone needs. -am: those resolve in the reactor;
# each module writes the file in turn, the gatling module last.
gatling_classpath() {
  mvn -B -q -o -f "$ROOT/pom.xml" -pl load-tests/gatling -am dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.excludeGroupIds=io.drover -Dmdep.outputFile="$WORK/gatling-classpath.txt" >&2 || die "cannot list the simulations' classpath"
  cp -r "$ROOT/load-tests/gatling/target/test-classes" "$WORK/simulations"
  echo "$WORK/simulations:$(cat "$WORK/gatling-classpath.txt")"
}

# One row per request kind of the report's statistics table: requests/s, percentiles, errors.
write_summary() { # classpath report-dir
  local classpath=$1 report=$2
  {
    echo "# Gatling: Console and API users against one node, with the device swarm ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    describe_run
    echo
    echo "Simulation $SIMULATION: $CONSOLE_USERS console users, $STREAM_USERS stream users, $MANAGER_USERS fleet managers," \
      "each population ramped over ${RAMP_S} s; $ACTIONS rounds each, ${THINK_MS} ms think time, streams held ${STREAM_HOLD_S} s." \
      "$ACCOUNTS accounts with $DEVICES_PER_USER devices each ($((ACCOUNTS * DEVICES_PER_USER)) devices online, $EVENT_RATE events/s in all);" \
      "product of $PRODUCT_DEVICES devices."
    echo
    java -cp "$classpath" io.drover.loadtests.gatling.ReportTable "$report"
    echo
    echo "Percentiles are of the response time (first byte of the request to the last of the answer; for"
    echo "\"first event\", from the stream's opening to the first event received). The HTML report: $report/index.html"
    echo
    node_log_warnings_section
  } >"$OUT_DIR/summary.md"
  cat "$OUT_DIR/summary.md"
}

main() {
  require_tools java jq curl ss
  mkdir -p "$OUT_DIR"
  make_workdir gatling
  local classpath
  classpath=$(gatling_classpath)
  log "results go to $OUT_DIR"

  node_start node node "$WORK/data"
  local fixture="$WORK/fixture"
  # shellcheck disable=SC2086
  java $SWARM_JAVA_OPTS -jar "$WORK/drover-swarm.jar" console-setup --port "${NODE_HTTP[node]}" \
    --token-file "${NODE_DATA[node]}/admin-token" --out "$fixture" --users "$ACCOUNTS" \
    --devices-per-user "$DEVICES_PER_USER" --managers 2 --product-devices "$PRODUCT_DEVICES" \
    | tee "$OUT_DIR/setup.json" >&2 || die "console-setup failed"

  local devices=$((ACCOUNTS * DEVICES_PER_USER)) run_s=$((RAMP_S + ACTIONS * THINK_MS / 1000 + STREAM_HOLD_S + 600))
  swarm_launch devices "${NODE_MQTT[node]}" "$fixture/devices.txt" 0 "$devices" --answer-calls true \
    --rate "$EVENT_RATE" --qos 0 --event-name load --hold-s "$run_s" --deadline-s "$((run_s + 120))" \
    --stop-file "$WORK/stop" --ready-file "$WORK/ready"
  swarms_wait_ready 300 "$WORK/ready"
  # shellcheck disable=SC2086
  java $SWARM_JAVA_OPTS -jar "$WORK/drover-swarm.jar" console-ready --port "${NODE_HTTP[node]}" --out "$fixture" \
    --devices-per-user "$DEVICES_PER_USER" --timeout-s 300 | tee "$OUT_DIR/ready.json" >&2 || die "the devices were not claimed and online"

  log "Gatling: $SIMULATION"
  local status=0
  # shellcheck disable=SC2086
  java $GATLING_JAVA_OPTS --add-opens=java.base/java.lang=ALL-UNNAMED -cp "$classpath" \
    -Ddrover.baseUrl="http://127.0.0.1:${NODE_HTTP[node]}" -Ddrover.fixture="$fixture" \
    -Ddrover.consoleUsers="$CONSOLE_USERS" -Ddrover.streamUsers="$STREAM_USERS" -Ddrover.managerUsers="$MANAGER_USERS" \
    -Ddrover.rampMs="$((RAMP_S * 1000))" -Ddrover.actionsPerUser="$ACTIONS" -Ddrover.thinkMs="$THINK_MS" \
    -Ddrover.streamHoldMs="$((STREAM_HOLD_S * 1000))" -Ddrover.maxFailedPercent="$MAX_FAILED_PERCENT" \
    io.gatling.app.Gatling --simulation "$SIMULATION" --results-folder "$OUT_DIR/gatling" \
    >"$OUT_DIR/gatling.log" 2>&1 || status=$?
  touch "$WORK/stop"
  swarms_wait
  cp "$OUT_DIR/swarm-devices.json" "$OUT_DIR/swarm.json" 2>/dev/null || true
  log "swarm: $(jq -c '{connected, lostWhileHeld, callsAnswered, announceFailed, published}' "$OUT_DIR/swarm-devices.json" 2>/dev/null || echo 'no report')"
  node_metrics node >"$OUT_DIR/metrics.txt" || true
  nodes_stop_all

  local report
  report=$(find "$OUT_DIR/gatling" -mindepth 2 -maxdepth 2 -name index.html -printf '%h\n' | head -1)
  [[ -n "$report" ]] || die "Gatling wrote no report (exit $status); see $OUT_DIR/gatling.log"
  write_summary "$classpath" "$report"
  log "Gatling's HTML report: $report/index.html"
  ((status == 0)) || die "Gatling's assertion failed or the run crashed (exit $status): more than $MAX_FAILED_PERCENT % of requests failed; see $OUT_DIR/gatling.log"
  log "done; results in $OUT_DIR"
}

main "$@"
