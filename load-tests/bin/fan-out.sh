#!/usr/bin/env bash
# Fan-out of one device's events to many subscribers: deliveries/s and the latency from a device's
# publish to a subscriber's read, for 1, 100 and 1,000 subscribers, a Drover node's Server-Sent Events
# streams against Mosquitto's MQTT subscribers in the same run.
#
#   load-tests/bin/fan-out.sh                                         # defaults below
#   SUBSCRIBERS="1 100" EVENTS=500 REPS=1 load-tests/bin/fan-out.sh   # a quick look
#   LABEL_A=before NODE_JAR_A=/tmp/before/drover.jar LABEL_B=after NODE_ARGS_B="" load-tests/bin/fan-out.sh
#
# Knobs: SUBSCRIBERS (1 100 1000), EVENTS (2000), RATE (100 events/s), REPS (3), SKIP_BUILD=1,
# NODE_JAVA_OPTS, OUT_DIR; node variants as lib.sh reads them (NODE_ARGS_A/B, LABEL_A/B, NODE_JAR_A/B).
#
# For each count of subscribers, REPS times, each server in turn (the node variants, then Mosquitto):
# load-tests/fanout/FanOut.java opens the subscribers (a node: an account's streams of its device,
# GET /v1/devices/:id/events/fan over HTTP/1.1, one connection each, as EventSource uses; Mosquitto:
# MQTT 3.1.1 clients subscribed to the topic at QoS 0), publishes EVENTS events at RATE a second
# through mosquitto_pub -l (QoS 0) and waits (30 s at most) for every delivery. Both kinds of
# subscriber are plain sockets read on one selector thread, so the client costs alike per delivery.
# Mosquitto runs without authentication or persistence; a node checks the stream's token and writes
# every event to PostgreSQL before it fans it out. Results: results.tsv and summary.md in OUT_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SUBSCRIBERS="${SUBSCRIBERS:-1 100 1000}"
EVENTS="${EVENTS:-2000}"
RATE="${RATE:-100}"
REPS="${REPS:-3}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/fan-out-$(date +%Y%m%d-%H%M%S)}"
SKIP_BUILD="${SKIP_BUILD:-0}"

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

require_tools java curl ss mosquitto_pub
require_mosquitto
read_variants
mkdir -p "$OUT_DIR"
build_project
make_workdir fan-out

for label in "${VARIANTS[@]}"; do
  # shellcheck disable=SC2086
  # the stream and connection limits raised so one account may hold every subscriber; the device's event quota past the rate
  node_start "$label" "$label" "$WORK/data-$label" --events.max-streams-per-user 100000 --events.stream-opens-per-minute 1000000 \
    --devices.events-per-second 100000 --devices.events-burst 100000 --http.max-connections 5000 ${VARIANT_ARGS[$label]}
done
mosquitto_start fan-out

printf 'server\tsubscribers\tevents\trate\tsent_s\tdelivered\texpected\tdeliveries_per_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tstreams_lost\n' >"$OUT_DIR/results.tsv"
run() { # server subscribers
  local server=$1 subscribers=$2 line
  if [[ "$server" == mosquitto ]]; then
    line=$(java -Xmx1g "$ROOT/load-tests/fanout/FanOut.java" mqtt "$MOSQ_PORT" "$subscribers" "$EVENTS" "$RATE")
  else
    line=$(java -Xmx1g "$ROOT/load-tests/fanout/FanOut.java" sse "${NODE_HTTP[$server]}" "${NODE_MQTT[$server]}" \
      "$(cat "${NODE_DATA[$server]}/admin-token")" "$subscribers" "$EVENTS" "$RATE")
  fi
  printf '%s\t%s\n' "$server" "$line" | tee -a "$OUT_DIR/results.tsv" >&2
}

for subscribers in $SUBSCRIBERS; do
  for rep in $(seq 1 "$REPS"); do
    for server in "${VARIANTS[@]}" mosquitto; do
      log "run [$server, subscribers $subscribers, rep $rep, $EVENTS events at $RATE/s]"
      run "$server" "$subscribers"
    done
  done
done

{
  echo "# Fan-out: $EVENTS events at $RATE/s from one device to each subscriber (medians of $REPS)"
  echo
  describe_run
  echo
  echo "| server | subscribers | delivered / expected | deliveries/s | p50 ms | p90 ms | p99 ms | max ms | p99 / Mosquitto's |"
  echo "|---|---|---|---|---|---|---|---|---|"
  awk -F'\t' 'NR > 1 { k = $1 SUBSEP $2; n[k]++; i = k SUBSEP n[k]; d[i] = $6; e[k] = $7; r[i] = $8; p50[i] = $9; p90[i] = $10; p99[i] = $11; mx[i] = $12
      server[k] = $1; subs[k] = $2 }
    function median(a, k, c,   v, x, j, t) { for (x = 1; x <= c; x++) v[x] = a[k SUBSEP x] + 0;
      for (x = 1; x <= c; x++) for (j = x + 1; j <= c; j++) if (v[j] < v[x]) { t = v[x]; v[x] = v[j]; v[j] = t }
      return v[int((c + 1) / 2)] }
    END { for (k in n) m99[k] = median(p99, k, n[k])
      for (k in n) { base = m99["mosquitto" SUBSEP subs[k]]
        printf "| %s | %s | %d / %d | %.0f | %.1f | %.1f | %.1f | %.1f | %s |\n", server[k], subs[k], median(d, k, n[k]), e[k], median(r, k, n[k]),
          median(p50, k, n[k]), median(p90, k, n[k]), m99[k], median(mx, k, n[k]), (base > 0 ? sprintf("%.2f", m99[k] / base) : "NA") } }' \
    "$OUT_DIR/results.tsv" | sort -t'|' -k3,3n -k2,2
} >"$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
