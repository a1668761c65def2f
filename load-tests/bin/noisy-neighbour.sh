#!/usr/bin/env bash
# One noisy device against a quiet tenant: does one device of product "noisy" publishing NOISY_RATE
# QoS 1 events/s change the PUBACK latency of product "quiet", whose QUIET_DEVICES devices publish
# QUIET_RATE events/s in all? Measured on a node (or two node variants) and on Mosquitto, in the same
# run: each round runs the quiet swarm alone, then the quiet swarm with the noisy device beside it.
#
#   load-tests/bin/noisy-neighbour.sh                        # defaults below; roughly 10 minutes on 2 cores
#   REPS=1 DURATION_S=10 load-tests/bin/noisy-neighbour.sh   # a quick look
#
# Knobs: QUIET_DEVICES (100), QUIET_RATE (1000: events/s of the quiet product in total), NOISY_RATE
# (1000: events/s of the one noisy device), NOISY_QOS (1), DURATION_S (30), REPS (3), PAYLOAD_BYTES
# (100), NOISY_IN_FLIGHT (100: the noisy device's unacknowledged QoS 1 events), SKIP_BUILD=1,
# NODE_JAVA_OPTS, SWARM_JAVA_OPTS, OUT_DIR; node variants as in ingest.sh (NODE_ARGS_A, LABEL_A,
# NODE_ARGS_B, LABEL_B, NODE_JAR_A, NODE_JAR_B).
#
# On a node the two products are two tenants: an administrator (made with the bootstrap token) makes
# products "quiet" and "noisy" and imports the devices into them, so the per-device quota, the
# per-product quotas and the write queue's fair share all apply as they would in a real fleet.
# Mosquitto has no tenants: it shows what the machine itself does when one client is noisy.
#
# The answer, per server: the quiet tenant's PUBACK p99 with the noisy device beside it divided by its
# p99 alone (median over rounds of the per-round ratio), with what the noisy device got: sent,
# acknowledged, refused. Only loopback addresses are used; every swarm has a deadline.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
QUIET_DEVICES="${QUIET_DEVICES:-100}"
QUIET_RATE="${QUIET_RATE:-1000}"
NOISY_RATE="${NOISY_RATE:-1000}"
NOISY_QOS="${NOISY_QOS:-1}"
NOISY_IN_FLIGHT="${NOISY_IN_FLIGHT:-100}"
DURATION_S="${DURATION_S:-30}"
REPS="${REPS:-3}"
PAYLOAD_BYTES="${PAYLOAD_BYTES:-100}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/noisy-neighbour-$(date +%Y%m%d-%H%M%S)}"
SKIP_BUILD="${SKIP_BUILD:-0}"

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

RUN_SEQ=0
is_node() { [[ "$1" != mosquitto ]]; }

api() { # key method path [json]: as the benchmark's administrator
  local key=$1 method=$2 path=$3
  curl -fsS -X "$method" -H "Authorization: Bearer ${ADMIN_TOKEN[$key]}" -H 'Content-Type: application/json' \
    ${4:+-d "$4"} "http://127.0.0.1:${NODE_HTTP[$key]}$path"
}

# An administrator made with the bootstrap token, two products, and the devices imported: the first
# device of the file into "noisy", the next QUIET_DEVICES into "quiet".
tenants() { # key
  local key=$1 http="http://127.0.0.1:${NODE_HTTP[$1]}" noisy quiet ids
  curl -fsS -H "Authorization: Bearer $(cat "${NODE_DATA[$key]}/admin-token")" -H 'Content-Type: application/json' \
    -d '{"username":"bench-admin@example.com","password":"a benchmark password","admin":true}' "$http/v1/admin/users" >/dev/null
  ADMIN_TOKEN[$key]=$(curl -fsS -d grant_type=password -d username=bench-admin@example.com -d 'password=a benchmark password' \
    -d client_id=particle-api -d client_secret=particle-api "$http/oauth/token" | jq -r .access_token)
  noisy=$(api "$key" POST /v1/products '{"name":"noisy","platform_id":12}' | jq -r .product.id)
  quiet=$(api "$key" POST /v1/products '{"name":"quiet","platform_id":12}' | jq -r .product.id)
  api "$key" POST "/v1/products/$noisy/devices" "{\"ids\":[\"$(awk 'NR == 1 { print $1 }' "$WORK/devices-$key.txt")\"]}" >/dev/null
  ids=$(awk -v n="$QUIET_DEVICES" 'NR > 1 && NR <= n + 1 { print $1 }' "$WORK/devices-$key.txt" | jq -R . | jq -sc .)
  api "$key" POST "/v1/products/$quiet/devices" "{\"ids\":$ids}" \
    | jq -e --argjson n "$QUIET_DEVICES" '(.updatedDeviceIds // .updated_device_ids // []) | length == $n' >/dev/null \
    || die "the quiet product did not take its $QUIET_DEVICES devices"
  log "tenants [$key: noisy product $noisy (1 device), quiet product $quiet ($QUIET_DEVICES devices)]"
}

credentials_of() { if is_node "$1"; then echo "$WORK/devices-$1.txt"; else echo "$WORK/devices-${VARIANTS[0]}.txt"; fi; }
port_of() { if is_node "$1"; then echo "${NODE_MQTT[$1]}"; else echo "$MOSQ_PORT"; fi; }

# One run: the quiet swarm, and the noisy device beside it when mode is "noisy".
run() { # server mode rep
  local server=$1 mode=$2 rep=$3 seq name refused_before=0 refused=0 quota_before=0 quota=0
  RUN_SEQ=$((RUN_SEQ + 1))
  seq=$RUN_SEQ
  name="$server-$mode-$rep"
  if is_node "$server"; then
    refused_before=$(node_metric_sum "$server" drover_events_rejected_total)
  fi
  swarm_launch "quiet-$name" "$(port_of "$server")" "$(credentials_of "$server")" 1 "$QUIET_DEVICES" \
    --hold-s $((DURATION_S + 120)) --deadline-s $((DURATION_S + 600)) --stop-file "$WORK/stop-$seq" \
    --ready-file "$WORK/ready-quiet-$seq" --rate "$QUIET_RATE" --qos 1 --payload-bytes "$PAYLOAD_BYTES" \
    --event-name "quiet.$seq" --max-in-flight-per-device 10
  local ready=("$WORK/ready-quiet-$seq")
  if [[ "$mode" == noisy ]]; then
    swarm_launch "noisy-$name" "$(port_of "$server")" "$(credentials_of "$server")" 0 1 \
      --hold-s $((DURATION_S + 120)) --deadline-s $((DURATION_S + 600)) --stop-file "$WORK/stop-$seq" \
      --ready-file "$WORK/ready-noisy-$seq" --rate "$NOISY_RATE" --qos "$NOISY_QOS" --payload-bytes "$PAYLOAD_BYTES" \
      --event-name "noisy.$seq" --max-in-flight-per-device "$NOISY_IN_FLIGHT"
    ready+=("$WORK/ready-noisy-$seq")
  fi
  swarms_wait_ready 120 "${ready[@]}"
  sleep "$DURATION_S"
  touch "$WORK/stop-$seq"
  swarms_wait
  if is_node "$server"; then
    refused=$(($(node_metric_sum "$server" drover_events_rejected_total) - refused_before))
  fi
  local row
  row=$(jq -c -n --arg server "$server" --arg mode "$mode" --arg rep "$rep" --argjson refused "$refused" \
    --slurpfile quiet "$OUT_DIR/swarm-quiet-$name.json" \
    --slurpfile noisy "$( [[ "$mode" == noisy ]] && echo "$OUT_DIR/swarm-noisy-$name.json" || echo /dev/null)" '
    ($noisy[0] // {}) as $n
    | {server: $server, mode: $mode, rep: $rep,
       quietSent: $quiet[0].published, quietAcked: $quiet[0].publishesAcked, quietLostConnections: $quiet[0].lostWhileHeld,
       quietAckP50Ms: $quiet[0].ackP50Ms, quietAckP99Ms: $quiet[0].ackP99Ms,
       noisySent: ($n.published // 0), noisyPerSecond: ($n.publishedPerSecond // 0), noisyAcked: ($n.publishesAcked // 0),
       noisySkipped: ($n.publishSkipped // 0), noisyLostConnections: ($n.lostWhileHeld // 0), nodeRefused: $refused}')
  echo "$row" >>"$OUT_DIR/results.jsonl"
  log "run [$name]: $row"
  if is_node "$server"; then node_wait_idle "$server"; fi
}

field() { # server mode field: median over rounds
  jq -r --arg s "$1" --arg m "$2" --arg f "$3" 'select(.server == $s and .mode == $m) | .[$f] // empty' "$OUT_DIR/results.jsonl" | median
}

# Median over rounds of (quiet p99 with the noisy device) / (quiet p99 alone, same round).
p99_ratio() { # server
  jq -rs --arg s "$1" '
    map(select(.server == $s)) as $runs
    | ($runs | map(select(.mode == "alone")) | map({key: .rep, value: .quietAckP99Ms}) | from_entries) as $a
    | ($runs | map(select(.mode == "noisy")) | map({key: .rep, value: .quietAckP99Ms}) | from_entries) as $n
    | $n | keys[] | select(($a[.] // 0) > 0) | $n[.] / $a[.]' "$OUT_DIR/results.jsonl" | median
}

write_summary() {
  local s="$OUT_DIR/summary.md" v
  {
    echo "# One noisy device beside a quiet tenant ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    describe_run
    echo "Quiet tenant: $QUIET_DEVICES devices, $QUIET_RATE QoS 1 events/s in all. Noisy tenant: 1 device offering $NOISY_RATE" \
      "QoS $NOISY_QOS events/s (up to $NOISY_IN_FLIGHT unacknowledged). ${PAYLOAD_BYTES}-byte events, $DURATION_S s per run, medians of $REPS rounds."
    for v in "${VARIANTS[@]}"; do echo "Node variant $v: ${VARIANT_ARGS[$v]:-no extra arguments}."; done
    echo
    echo "| server | quiet PUBACK p99 alone ms | with the noisy device ms | ratio (per round, median) | quiet p50 alone / noisy ms | noisy sent/s | noisy acknowledged (stored, or refused for good) | refused by the node | connections lost |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for v in "${VARIANTS[@]}" mosquitto; do
      echo "| $v | $(rounded 1 "$(field "$v" alone quietAckP99Ms)") | $(rounded 1 "$(field "$v" noisy quietAckP99Ms)") | $(rounded 2 "$(p99_ratio "$v")")" \
        "| $(rounded 1 "$(field "$v" alone quietAckP50Ms)") / $(rounded 1 "$(field "$v" noisy quietAckP50Ms)")" \
        "| $(rounded 0 "$(field "$v" noisy noisyPerSecond)") | $(rounded 0 "$(field "$v" noisy noisyAcked)") | $(rounded 0 "$(field "$v" noisy nodeRefused)")" \
        "| quiet $(rounded 0 "$(field "$v" noisy quietLostConnections)"), noisy $(rounded 0 "$(field "$v" noisy noisyLostConnections)") |"
    done
    echo
    echo "Raw rows: results.jsonl; swarm-*.json (each swarm's report)."
  } >"$s"
  cat "$s"
}

require_tools java jcmd jq curl ss psql pgrep
require_mosquitto
read_variants
((QUIET_DEVICES >= 1 && QUIET_DEVICES <= 10000)) || die "QUIET_DEVICES must be 1 to 10000"
mkdir -p "$OUT_DIR"
: >"$OUT_DIR/results.jsonl"
build_project
make_workdir noisy
declare -A ADMIN_TOKEN=()
log "results go to $OUT_DIR"
for v in "${VARIANTS[@]}"; do
  # shellcheck disable=SC2086
  node_start "$v" "$v" "$WORK/data-$v" ${VARIANT_ARGS[$v]}
  provision "$v" $((QUIET_DEVICES + 1)) "$WORK/devices-$v.txt"
  tenants "$v"
done
mosquitto_start noisy
SERVERS=("${VARIANTS[@]}" mosquitto)
for rep in $(seq 1 "$REPS"); do
  shift_by=$(((rep - 1) % ${#SERVERS[@]}))
  for v in "${SERVERS[@]:shift_by}" "${SERVERS[@]:0:shift_by}"; do
    run "$v" alone "$rep"
    run "$v" noisy "$rep"
  done
done
mosquitto_stop
nodes_stop_all
write_summary
log "done; results in $OUT_DIR"
