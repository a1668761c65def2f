#!/usr/bin/env bash
# MQTT event ingest: how many of the events N devices publish at an offered rate reach the other end,
# how late, and at what CPU, for a Drover node (or two node variants) against Mosquitto measured in
# the same run on the same machine.
#
#   load-tests/bin/ingest.sh                           # defaults below; roughly 20 minutes on 2 cores
#   DEVICES=200 RATES=2000 DURATION_S=10 REPS=1 load-tests/bin/ingest.sh        # a quick look
#   LABEL_A=single NODE_ARGS_A="--gateway.listener-instances=1" LABEL_B=multi NODE_ARGS_B="" \
#     load-tests/bin/ingest.sh                         # two node variants and Mosquitto, roughly 30 minutes
#
# Knobs: DEVICES (1000), RATES (events/s offered in total: "5000 10000"), QOS_LIST ("0 1"),
# DURATION_S (30: seconds of publishing per run), REPS (3), WARMUP_S (10: one unrecorded run per
# server first; 0 skips), PAYLOAD_BYTES (100), MAX_IN_FLIGHT_PER_DEVICE (10: QoS 1 events a device
# may have unacknowledged; past it an event is skipped and counted), CONNECT_IN_FLIGHT (100),
# SWARM_EVENT_LOOPS (1), LATENCY (1: a node also serves one event stream that carries every event, for
# the latency; 0: none, the count comes from PostgreSQL alone), SETTLE_MAX_S (60), SKIP_BUILD=1,
# NODE_JAVA_OPTS, SWARM_JAVA_OPTS, LISTEN_JAVA_OPTS, OUT_DIR; node variants: NODE_ARGS_A, LABEL_A
# (drover, or drover-a with two variants), and NODE_ARGS_B, LABEL_B (drover-b): setting NODE_ARGS_B,
# even to "", adds the second variant.
#
# In one run it:
#   1. builds the project (SKIP_BUILD=1 skips) and copies both jars into a temporary directory;
#   2. starts each node variant with a fresh data dir (and the variant's extra arguments) on free
#      loopback ports, registers DEVICES devices on it, and starts Mosquitto 2 (no authentication, no
#      persistence); they all stay up for the whole run;
#   3. for each QoS in QOS_LIST and each rate in RATES, REPS rounds; in each round every server in turn
#      (the order rotates every round), one run:
#      - a listener subscribes where the events come out (`drover-swarm.jar listen`): on a node the
#        event stream GET /v1/devices/events/NAME with the bootstrap admin token (DATA_DIR/admin-token),
#        on Mosquitto an MQTT subscription to e/NAME; NAME is new for every run;
#      - a swarm connects DEVICES devices, then publishes 100-byte events to e/NAME at the offered total
#        rate, round-robin over the devices, for DURATION_S seconds; each payload starts with its
#        publish time (microseconds since the epoch), which the listener reads back: the end-to-end
#        latency, publish to subscriber, on one machine's clock;
#      - around the DURATION_S seconds of publishing it reads the server's CPU from /proc: the node's
#        JVM and its PostgreSQL (postmaster, backends, and backends that ended), or mosquitto; and for
#        a node each Vert.x event-loop thread's CPU (/proc/PID/task/TID/stat): the event-loop spread;
#      - then counts the events that arrived end to end: for a node the rows in its PostgreSQL
#        (SELECT count(*) FROM events WHERE name = NAME, polled until it stops changing), for Mosquitto
#        the listener's count. Lost = sent - arrived;
#   4. writes results.jsonl, eventloops.tsv and summary.md into OUT_DIR (medians of REPS), and stops
#      everything it started.
#
# Drover authenticates each device and writes every event to PostgreSQL (batched) before a QoS 1
# PUBACK; Mosquitto acknowledges QoS 1 at once and keeps nothing. Both pass each event to one
# subscriber (with LATENCY=1). Only loopback addresses are used; every swarm and listener has a
# deadline and stops by itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEVICES="${DEVICES:-1000}"
RATES="${RATES:-5000 10000}"
QOS_LIST="${QOS_LIST:-0 1}"
DURATION_S="${DURATION_S:-30}"
REPS="${REPS:-3}"
WARMUP_S="${WARMUP_S:-10}"
PAYLOAD_BYTES="${PAYLOAD_BYTES:-100}"
MAX_IN_FLIGHT_PER_DEVICE="${MAX_IN_FLIGHT_PER_DEVICE:-10}"
CONNECT_IN_FLIGHT="${CONNECT_IN_FLIGHT:-100}"
SWARM_EVENT_LOOPS="${SWARM_EVENT_LOOPS:-1}"
LATENCY="${LATENCY:-1}"
SETTLE_MAX_S="${SETTLE_MAX_S:-60}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/ingest-$(date +%Y%m%d-%H%M%S)}"
SKIP_BUILD="${SKIP_BUILD:-0}"
LISTEN_JAVA_OPTS="${LISTEN_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m}"

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

RUN_SEQ=0

is_node() { [[ "$1" != mosquitto ]]; }

credentials_of() { # server: each node variant has devices of its own; mosquitto takes the first's
  if is_node "$1"; then echo "$WORK/devices-$1.txt"; else echo "$WORK/devices-${VARIANTS[0]}.txt"; fi
}

# The server's CPU so far in clock ticks: "process postgres" (postgres 0 for mosquitto).
server_cpu() { # server
  if is_node "$1"; then
    echo "$(cpu_ticks "${NODE_PID[$1]}") $(pg_cpu_ticks "$(node_pg_pid "$1")")"
  else
    echo "$(cpu_ticks "$MOSQ_PID") 0"
  fi
}

# Starts the listener for one run in the background and waits until it is subscribed.
listen_start() { # server event name seq deadline-s
  local server=$1 event=$2 name=$3 seq=$4 args _
  if is_node "$server"; then
    args=(--port "${NODE_HTTP[$server]}" --path "/v1/devices/events/$event" --token-file "${NODE_DATA[$server]}/admin-token")
  else
    args=(--port "$MOSQ_PORT" --topic "e/$event")
  fi
  # shellcheck disable=SC2086
  java $LISTEN_JAVA_OPTS -jar "$WORK/drover-swarm.jar" listen --host 127.0.0.1 "${args[@]}" \
    --ready-file "$WORK/listen-ready-$seq" --stop-file "$WORK/listen-stop-$seq" --quiet-ms 2000 --deadline-s "$5" \
    >"$OUT_DIR/listen-$name.json" 2>"$OUT_DIR/listen-$name.log" &
  LISTEN_PID=$!
  track_tool "$LISTEN_PID"
  for _ in $(seq 1 300); do
    [[ -f "$WORK/listen-ready-$seq" ]] && return 0
    kill -0 "$LISTEN_PID" 2>/dev/null || die "the listener exited before it was ready; see $OUT_DIR/listen-$name.log"
    sleep 0.1
  done
  die "the listener was not ready within 30 s; see $OUT_DIR/listen-$name.log"
}

# The node's events of this run in PostgreSQL, polled until there are as many as were sent or the
# count has not changed for 3 s (at most SETTLE_MAX_S). Ids only grow, so the count reads the rows
# above the highest id at the start of the run, not the whole table.
stored_events() { # server event first-id expected
  local count=-1 last=-1 unchanged=0 deadline=$((SECONDS + SETTLE_MAX_S))
  while ((SECONDS < deadline)); do
    count=$(node_sql "$1" "SELECT count(*) FROM events WHERE id > $3 AND name = '$2'")
    ((count >= $4)) && break
    if ((count == last)); then unchanged=$((unchanged + 1)); else unchanged=0; fi
    ((unchanged >= 3)) && break
    last=$count
    sleep 1
  done
  echo "$count"
}

# One run against one server; rep "warmup" is not recorded.
ingest_run() { # server qos rate rep
  local server=$1 qos=$2 rate=$3 rep=$4 duration=$DURATION_S
  [[ "$rep" == warmup ]] && duration=$WARMUP_S
  RUN_SEQ=$((RUN_SEQ + 1))
  local seq=$RUN_SEQ event="ingest.$RUN_SEQ.q$2.r$3" name="$1-q$2-r$3-$4" port first_id=0
  local cpu_before cpu_after window_start window_s received_before=0 rejected_before=0 dropped_before=0 log_lines_before=0 log_lines=0

  if is_node "$server"; then
    port=${NODE_MQTT[$server]}
    first_id=$(node_sql "$server" "SELECT coalesce(max(id), 0) FROM events")
    received_before=$(node_metric_sum "$server" drover_events_received_total mqtt)
    rejected_before=$(node_metric_sum "$server" drover_events_rejected_total mqtt)
    dropped_before=$(node_metric_sum "$server" drover_events_dropped_total)
    log_lines_before=$(wc -l <"${NODE_LOG[$server]}")
  else
    port=$MOSQ_PORT
  fi
  LISTEN_PID=""
  if [[ "$LATENCY" == 1 ]] || ! is_node "$server"; then
    listen_start "$server" "$event" "$name" "$seq" $((duration + 900))
  else
    echo '{}' >"$OUT_DIR/listen-$name.json"
  fi

  swarm_launch "$name" "$port" "$(credentials_of "$server")" 0 "$DEVICES" \
    --in-flight "$CONNECT_IN_FLIGHT" --event-loops "$SWARM_EVENT_LOOPS" \
    --hold-s $((duration + 300)) --deadline-s $((duration + 900)) \
    --stop-file "$WORK/stop-$seq" --ready-file "$WORK/ready-$seq" \
    --rate "$rate" --qos "$qos" --payload-bytes "$PAYLOAD_BYTES" --event-name "$event" --stamp-payload true \
    --max-in-flight-per-device "$MAX_IN_FLIGHT_PER_DEVICE"
  swarms_wait_ready 300 "$WORK/ready-$seq"

  # The window: the swarm publishes from its ready file on; CPU is read over DURATION_S of it.
  cpu_before=$(server_cpu "$server")
  if is_node "$server"; then event_loop_ticks "${NODE_PID[$server]}" >"$WORK/loops-before"; fi
  window_start=$(date +%s.%N)
  sleep "$duration"
  cpu_after=$(server_cpu "$server")
  if is_node "$server"; then event_loop_ticks "${NODE_PID[$server]}" >"$WORK/loops-after"; fi
  window_s=$(awk -v s="$window_start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }')
  touch "$WORK/stop-$seq"
  ((DEVICES == $(jq .connected "$WORK/ready-$seq"))) || log "WARNING: $name: only $(jq .connected "$WORK/ready-$seq") of $DEVICES devices connected"
  swarms_wait
  [[ -s "$OUT_DIR/swarm-$name.json" ]] || die "the swarm gave no report; see $OUT_DIR/swarm-$name.log"

  local sent received delivered rejected=0 dropped=0
  sent=$(jq '.published - .publishFailed' "$OUT_DIR/swarm-$name.json")
  if is_node "$server"; then
    received=$(stored_events "$server" "$event" "$first_id" "$sent")
  fi
  if [[ -n "$LISTEN_PID" ]]; then
    touch "$WORK/listen-stop-$seq"
    wait "$LISTEN_PID" 2>/dev/null || true
    [[ -s "$OUT_DIR/listen-$name.json" ]] || die "the listener gave no report; see $OUT_DIR/listen-$name.log"
  fi
  delivered=$(jq '.received // null' "$OUT_DIR/listen-$name.json")
  if [[ -n "$LISTEN_PID" && "$(jq -r .endedBy "$OUT_DIR/listen-$name.json")" != "stop file, then quiet" ]]; then
    log "WARNING: $name: the listener ended early ($(jq -r .endedBy "$OUT_DIR/listen-$name.json")): its count and latencies are partial"
  fi
  if is_node "$server"; then
    rejected=$(($(node_metric_sum "$server" drover_events_rejected_total mqtt) - rejected_before))
    dropped=$(($(node_metric_sum "$server" drover_events_dropped_total) - dropped_before))
    log_lines=$(($(wc -l <"${NODE_LOG[$server]}") - log_lines_before))
    log "node counters [$name]: received by the gateway $(($(node_metric_sum "$server" drover_events_received_total mqtt) - received_before)), rejected $rejected, dropped by the hub $dropped"
    event_loop_names "${NODE_PID[$server]}" >"$WORK/loops-names"
    if [[ "$rep" != warmup ]]; then
      event_loop_delta "$WORK/loops-before" "$WORK/loops-after" "$WORK/loops-names" \
        | awk -v s="$server" -v q="$qos" -v r="$rate" -v p="$rep" '{ printf "%s\t%s\t%s\t%s\t%s\t%s\n", s, q, r, p, $1, $2 }' >>"$OUT_DIR/eventloops.tsv"
    fi
  else
    received=$delivered
  fi

  local row
  row=$(jq -c -n --arg server "$server" --argjson qos "$qos" --argjson rate "$rate" --arg rep "$rep" --arg event "$event" \
    --slurpfile swarm "$OUT_DIR/swarm-$name.json" --slurpfile listen "$OUT_DIR/listen-$name.json" \
    --argjson received "${received:-0}" --argjson delivered "$delivered" --argjson rejected "$rejected" --argjson dropped "$dropped" --argjson logLines "$log_lines" \
    --argjson procTicks "$(( ${cpu_after% *} - ${cpu_before% *} ))" --argjson pgTicks "$(( ${cpu_after#* } - ${cpu_before#* } ))" \
    --argjson windowS "$window_s" --argjson hz "$CLK_TCK" '
    $swarm[0] as $s | $listen[0] as $l | ($s.published - $s.publishFailed) as $sent
    | ($s.publishedPerSecond * ($sent / ([$s.published, 1] | max))) as $sentPerSecond
    | (($procTicks + $pgTicks) / $hz) as $cpuS
    | {server: $server, qos: $qos, rate: $rate, rep: $rep, event: $event, devices: $s.devices, connected: $s.connected,
       heldSeconds: $s.heldSeconds, sent: $sent, sentPerSecond: $sentPerSecond, publishFailed: $s.publishFailed,
       publishSkipped: $s.publishSkipped, received: $received, lost: ($sent - $received),
       receivedPerSecond: (if $s.heldSeconds > 0 then $received / $s.heldSeconds else 0 end),
       lostPercent: (if $sent > 0 then 100 * ($sent - $received) / $sent else 0 end),
       delivered: $delivered, e2eP50Ms: $l.e2eP50Ms, e2eP90Ms: $l.e2eP90Ms, e2eP99Ms: $l.e2eP99Ms, e2eMaxMs: $l.e2eMaxMs,
       listenerEndedBy: $l.endedBy, acked: $s.publishesAcked, unackedAtEnd: $s.unackedAtEnd, ackP50Ms: $s.ackP50Ms, ackP99Ms: $s.ackP99Ms,
       gatewayRejected: $rejected, hubDropped: $dropped, connectionsLost: ($s.lostWhileHeld // 0), logLines: $logLines,
       ackedNotStored: (if $qos == 1 and $server != "mosquitto" then ([($s.publishesAcked // 0) - $received, 0] | max) else null end),
       windowS: $windowS, cpuProcessS: ($procTicks / $hz), cpuPostgresS: ($pgTicks / $hz), cpuCores: ($cpuS / $windowS),
       cpuMsPer1000Events: (if $sentPerSecond > 0 then 1000 * $cpuS / ($sentPerSecond * $windowS / 1000) else null end)}')
  [[ "$rep" == warmup ]] || echo "$row" >>"$OUT_DIR/results.jsonl"
  log "ingest [$name]: $(jq -c '{sentPerSecond: (.sentPerSecond | round), sent, received, lost, delivered, e2eP50Ms, e2eP99Ms, ackP99Ms, cpuCores: ((.cpuCores * 100 | round) / 100), cpuMsPer1000Events: ((.cpuMsPer1000Events // 0) * 10 | round / 10)}' <<<"$row")"
  if is_node "$server"; then node_wait_idle "$server"; fi
}

# ---------------------------------------------------------------------------------------------
# Summary

field_median() { # server qos rate field
  jq -r --arg s "$1" --argjson q "$2" --argjson r "$3" --arg f "$4" \
    'select(.server == $s and .qos == $q and .rate == $r) | .[$f] // empty' "$OUT_DIR/results.jsonl" | median
}

field_runs() { # server qos rate field digits: each run's value, in round order
  jq -r --arg s "$1" --argjson q "$2" --argjson r "$3" --arg f "$4" \
    'select(.server == $s and .qos == $q and .rate == $r) | .[$f] // "NA"' "$OUT_DIR/results.jsonl" \
    | while read -r x; do rounded "$5" "$x"; done | paste -sd' '
}

# Median over rounds of (field of a in round i) / (field of b in round i).
per_round_ratio() { # a b qos rate field
  jq -rs --arg a "$1" --arg b "$2" --argjson q "$3" --argjson r "$4" --arg f "$5" '
    map(select(.qos == $q and .rate == $r)) as $runs
    | ($runs | map(select(.server == $a)) | map({key: .rep, value: .[$f]}) | from_entries) as $x
    | ($runs | map(select(.server == $b)) | map({key: .rep, value: .[$f]}) | from_entries) as $y
    | $x | keys[] | select(($y[.] // 0) != 0 and $x[.] != null) | $x[.] / $y[.]' "$OUT_DIR/results.jsonl" | median
}

ratio_line() { # a b qos rate
  local a=$1 b=$2 q=$3 r=$4 f out=""
  for f in receivedPerSecond cpuMsPer1000Events e2eP50Ms e2eP99Ms; do
    out+="${out:+, }$f $(ratio "$(field_median "$a" "$q" "$r" "$f")" "$(field_median "$b" "$q" "$r" "$f")")"
    out+=" (per round: $(rounded 2 "$(per_round_ratio "$a" "$b" "$q" "$r" "$f")"))"
  done
  echo "$out"
}

write_summary() {
  local s="$OUT_DIR/summary.md" v q r servers=("${VARIANTS[@]}" mosquitto)
  {
    echo "# MQTT event ingest ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    describe_run
    echo "$DEVICES devices, ${PAYLOAD_BYTES}-byte events, $DURATION_S s of publishing per run, medians of $REPS rounds" \
      "(server order rotating). End-to-end latency: $([[ "$LATENCY" == 1 ]] && echo "publish to the listener (node: its event stream; Mosquitto: a subscriber)" || echo "not measured on the nodes (LATENCY=0)")."
    for v in "${VARIANTS[@]}"; do echo "Node variant $v: ${VARIANT_ARGS[$v]:-no extra arguments}."; done
    for q in $QOS_LIST; do
      for r in $RATES; do
        echo
        echo "## QoS $q, $r events/s offered"
        echo
        echo "| server | sent/s | arrived/s | lost | lost % | e2e p50 ms | e2e p99 ms | PUBACK p50 ms | PUBACK p99 ms | CPU cores (process + PostgreSQL) | CPU ms per 1,000 events | effective event loops |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
        for v in "${servers[@]}"; do
          local loops="" proc pg
          if is_node "$v"; then
            loops=$(awk -F'\t' -v s="$v" -v q="$q" -v r="$r" '$1 == s && $2 == q && $3 == r { print $5, $6 }' "$OUT_DIR/eventloops.tsv" \
              | event_loop_shares | awk '$1 == "effective" { print $2 }')
          fi
          proc=$(jq -r --arg s "$v" --argjson q "$q" --argjson r "$r" 'select(.server == $s and .qos == $q and .rate == $r) | .cpuProcessS / .windowS' "$OUT_DIR/results.jsonl" | median)
          pg=$(jq -r --arg s "$v" --argjson q "$q" --argjson r "$r" 'select(.server == $s and .qos == $q and .rate == $r) | .cpuPostgresS / .windowS' "$OUT_DIR/results.jsonl" | median)
          echo "| $v | $(rounded 0 "$(field_median "$v" "$q" "$r" sentPerSecond)") | $(rounded 0 "$(field_median "$v" "$q" "$r" receivedPerSecond)")" \
            "| $(rounded 0 "$(field_median "$v" "$q" "$r" lost)") | $(rounded 2 "$(field_median "$v" "$q" "$r" lostPercent)")" \
            "| $(rounded 1 "$(field_median "$v" "$q" "$r" e2eP50Ms)") | $(rounded 1 "$(field_median "$v" "$q" "$r" e2eP99Ms)")" \
            "| $( ((q == 1)) && rounded 1 "$(field_median "$v" "$q" "$r" ackP50Ms)") | $( ((q == 1)) && rounded 1 "$(field_median "$v" "$q" "$r" ackP99Ms)")" \
            "| $(rounded 2 "$(field_median "$v" "$q" "$r" cpuCores)") ($(rounded 2 "$proc") + $(rounded 2 "$pg"))" \
            "| $(rounded 1 "$(field_median "$v" "$q" "$r" cpuMsPer1000Events)") | $loops |"
        done
        echo
        for v in "${servers[@]}"; do
          echo "- $v per round: arrived/s $(field_runs "$v" "$q" "$r" receivedPerSecond 0); lost $(field_runs "$v" "$q" "$r" lost 0);" \
            "connections lost while publishing $(field_runs "$v" "$q" "$r" connectionsLost 0); refused by the gateway $(field_runs "$v" "$q" "$r" gatewayRejected 0);" \
            "dropped or refused by the hub $(field_runs "$v" "$q" "$r" hubDropped 0); acknowledged but not stored $(field_runs "$v" "$q" "$r" ackedNotStored 0);" \
            "node log lines $(field_runs "$v" "$q" "$r" logLines 0);" \
            "not sent (QoS 1 devices at their in-flight limit) $(field_runs "$v" "$q" "$r" publishSkipped 0);" \
            "e2e p99 ms $(field_runs "$v" "$q" "$r" e2eP99Ms 1); CPU ms/1,000 events $(field_runs "$v" "$q" "$r" cpuMsPer1000Events 1)"
        done
        echo
        if ((${#VARIANTS[@]} == 2)); then
          echo "- **${VARIANTS[1]}/${VARIANTS[0]}**: $(ratio_line "${VARIANTS[1]}" "${VARIANTS[0]}" "$q" "$r")"
        fi
        for v in "${VARIANTS[@]}"; do
          echo "- $v/Mosquitto: $(ratio_line "$v" mosquitto "$q" "$r")"
        done
      done
    done
    echo
    echo "## Event-loop spread while publishing"
    echo
    echo "Each Vert.x event loop's share of all event-loop CPU over the recorded runs (utime + stime of its"
    echo "thread during the publishing window); \"effective loops\" = (sum)² / (sum of squares): 1.00 when one"
    echo "loop does all the work."
    echo
    echo "| node | QoS | rate | event-loop CPU cores | effective loops | shares (%) |"
    echo "|---|---|---|---|---|---|"
    for v in "${VARIANTS[@]}"; do
      for q in $QOS_LIST; do
        for r in $RATES; do
          local shares cores
          shares=$(awk -F'\t' -v s="$v" -v q="$q" -v r="$r" '$1 == s && $2 == q && $3 == r { print $5, $6 }' "$OUT_DIR/eventloops.tsv" | event_loop_shares)
          cores=$(awk -F'\t' -v s="$v" -v q="$q" -v r="$r" -v hz="$CLK_TCK" '$1 == s && $2 == q && $3 == r { t += $6 } END { print t / hz }' "$OUT_DIR/eventloops.tsv")
          cores=$(awk -v t="$cores" -v w="$(jq -s --arg s "$v" --argjson q "$q" --argjson r "$r" 'map(select(.server == $s and .qos == $q and .rate == $r) | .windowS) | add // 0' "$OUT_DIR/results.jsonl")" \
            'BEGIN { if (w > 0) printf "%.2f", t / w; else print "NA" }')
          echo "| $v | $q | $r | $cores | $(awk '$1 == "effective" { print $2 }' <<<"$shares") | $(event_loop_share_list <<<"$shares") |"
        done
      done
    done
    echo
    node_log_warnings_section
    echo "Raw rows: results.jsonl (one per recorded run); eventloops.tsv (node, qos, rate, round, thread, ticks at $CLK_TCK/s);"
    echo "swarm-*.json and listen-*.json (each run's load generator and listener reports)."
  } >"$s"
  cat "$s"
}

# ---------------------------------------------------------------------------------------------
# Run

require_tools java jcmd jq curl ss psql pgrep
require_mosquitto
read_variants
((DEVICES >= 1 && DEVICES <= 19000)) || die "DEVICES ($DEVICES) must be 1 to 19000 (one swarm process)"
((PAYLOAD_BYTES >= 17 && PAYLOAD_BYTES <= 1024)) || die "PAYLOAD_BYTES must be 17 (the time stamp) to 1024"
for q in $QOS_LIST; do [[ "$q" == 0 || "$q" == 1 ]] || die "QOS_LIST holds 0 and/or 1, not '$q'"; done
for r in $RATES; do [[ "$r" =~ ^[0-9]+$ ]] && ((r > 0)) || die "RATES holds whole events/s, not '$r'"; done

mkdir -p "$OUT_DIR"
: >"$OUT_DIR/results.jsonl"
: >"$OUT_DIR/eventloops.tsv"
build_project
make_workdir ingest
log "results go to $OUT_DIR"

for v in "${VARIANTS[@]}"; do
  # shellcheck disable=SC2086
  node_start "$v" "$v" "$WORK/data-$v" ${VARIANT_ARGS[$v]}
  provision "$v" "$DEVICES" "$WORK/devices-$v.txt"
done
mosquitto_start ingest
SERVERS=("${VARIANTS[@]}" mosquitto)

if ((WARMUP_S > 0)); then
  for v in "${SERVERS[@]}"; do ingest_run "$v" "${QOS_LIST%% *}" "${RATES%% *}" warmup; done
fi
for q in $QOS_LIST; do
  for r in $RATES; do
    for rep in $(seq 1 "$REPS"); do
      shift_by=$(((rep - 1) % ${#SERVERS[@]}))
      order=("${SERVERS[@]:shift_by}" "${SERVERS[@]:0:shift_by}")
      for v in "${order[@]}"; do ingest_run "$v" "$q" "$r" "$rep"; done
    done
  done
done
for v in "${VARIANTS[@]}"; do
  node_metrics "$v" >"$OUT_DIR/$v-metrics-at-end.txt" || true
done
mosquitto_stop
nodes_stop_all

write_summary
log "done; results in $OUT_DIR"
