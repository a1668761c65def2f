#!/usr/bin/env bash
# Fan-out of device events to SSE subscribers: events/s delivered and the latency from a device's
# publish to a subscriber's read, for 1, 100 and 1,000 concurrent subscribers of one account.
#
#   load-tests/bin/fan-out.sh                                   # defaults below
#   SUBSCRIBERS="1 100" EVENTS=500 REPS=1 load-tests/bin/fan-out.sh   # a quick look
#
# In one run it builds the project (SKIP_BUILD=1 skips), starts a node with a fresh data dir on free
# loopback ports (the stream limits raised so one account may hold every subscriber), and for each
# count of subscribers, REPS times: load-tests/fanout/FanOut.java makes an account and a device,
# opens the streams, publishes EVENTS events at RATE a second through mosquitto_pub -l (QoS 0) and
# waits (30 s at most) for every delivery. Results: results.tsv and summary.md in OUT_DIR.
# There is no baseline server in this run (see docs/benchmarks.md): read the figures as this
# machine's, relative to each other.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SUBSCRIBERS="${SUBSCRIBERS:-1 100 1000}"
EVENTS="${EVENTS:-2000}"
RATE="${RATE:-200}"
REPS="${REPS:-3}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/fan-out-$(date +%Y%m%d-%H%M%S)}"
SKIP_BUILD="${SKIP_BUILD:-0}"
NODE_JAVA_OPTS="${NODE_JAVA_OPTS:-}"

WORK=""
NODE_PID=""

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$NODE_PID" ]] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
  [[ -n "$WORK" && -d "$WORK" ]] && rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v mosquitto_pub >/dev/null || die "mosquitto_pub is needed (Debian: mosquitto-clients)"
mkdir -p "$OUT_DIR"
WORK=$(mktemp -d)
if [[ "$SKIP_BUILD" != 1 ]]; then
  log "building"
  (cd "$ROOT" && mvn -B -o -q install -pl gateway,hub -DskipTests) >"$OUT_DIR/build.log" 2>&1 || die "build failed, see $OUT_DIR/build.log"
fi
cp "$ROOT/hub/target/drover.jar" "$WORK/drover.jar"

# shellcheck disable=SC2086
java $NODE_JAVA_OPTS -jar "$WORK/drover.jar" --data-dir "$WORK/data" \
  --http.host 127.0.0.1 --http.port 0 --http.tls-port 0 --mqtt.host 127.0.0.1 --mqtt.port 0 --mqtt.tls-port 0 \
  --events.max-streams-per-user 100000 --events.stream-opens-per-minute 1000000 >"$OUT_DIR/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 180); do
  grep -q 'node started' "$OUT_DIR/node.log" && break
  kill -0 "$NODE_PID" 2>/dev/null || die "the node stopped, see $OUT_DIR/node.log"
  sleep 1
done
line=$(grep -m1 'node started' "$OUT_DIR/node.log") || die "the node did not start in 180 s"
HTTP_PORT=$(sed -E 's/.*http-port: ([0-9]+).*/\1/' <<<"$line")
MQTT_PORT=$(sed -E 's/.*mqtt-port: ([0-9]+).*/\1/' <<<"$line")
ADMIN=$(cat "$WORK/data/admin-token")
log "node up [pid $NODE_PID, http $HTTP_PORT, mqtt $MQTT_PORT]"

printf 'subscribers\tevents\trate\tsent_s\tdelivered\texpected\tdeliveries_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tstreams_lost\n' >"$OUT_DIR/results.tsv"
for subscribers in $SUBSCRIBERS; do
  for rep in $(seq 1 "$REPS"); do
    log "run [subscribers $subscribers, rep $rep, $EVENTS events at $RATE/s]"
    java -Xmx1g "$ROOT/load-tests/fanout/FanOut.java" "$HTTP_PORT" "$MQTT_PORT" "$ADMIN" "$subscribers" "$EVENTS" "$RATE" \
      | tee -a "$OUT_DIR/results.tsv" >&2
  done
done

{
  echo "# Fan-out: $EVENTS events at $RATE/s from one device (medians of $REPS)"
  echo
  echo "| subscribers | delivered / expected | deliveries/s | p50 ms | p90 ms | p99 ms | max ms |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' 'NR > 1 { n[$1]++; key = $1 "." n[$1]; d[key] = $5; e[$1] = $6; r[key] = $7; p50[key] = $8; p90[key] = $9; p99[key] = $10; mx[key] = $11; order[$1] = NR }
    function median(a, s, k,   v, i, j, t, c) { c = 0; for (i = 1; i <= k; i++) v[++c] = a[s "." i] + 0;
      for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      return v[int((c + 1) / 2)] }
    END { for (s in n) printf "| %s | %d / %d | %.0f | %.1f | %.1f | %.1f | %.1f |\n", s, median(d, s, n[s]), e[s], median(r, s, n[s]),
      median(p50, s, n[s]), median(p90, s, n[s]), median(p99, s, n[s]), median(mx, s, n[s]) }' "$OUT_DIR/results.tsv" | sort -t'|' -k2 -n
} >"$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
