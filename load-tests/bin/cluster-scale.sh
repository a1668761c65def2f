#!/usr/bin/env bash
# A Drover cluster holding more MQTT sessions than one process can, and what the cluster bus costs a
# connect, against a single node measured in the same run on the same machine.
#
#   load-tests/bin/cluster-scale.sh                       # defaults below; ~10 minutes on 2 cores
#   DEVICES=4000 PER_SWARM=2000 RATE_COUNT=2000 RATE_REPS=3 WARMUP_RUNS=1 load-tests/bin/cluster-scale.sh  # a quick look
#
# In one run it:
#   1. builds the project (SKIP_BUILD=1 skips) and copies both jars into a temporary directory, so a
#      rebuild during the run does not change what is measured;
#   2. starts a cluster on loopback with free ports: one hub node (embedded PostgreSQL) and two
#      gateway-only nodes; and, beside it, the baseline: a single node with both roles and no cluster;
#   3. registers DEVICES devices on the hub and RATE_COUNT on the baseline (the provision command);
#   4. sessions: holds DEVICES sessions, half through each gateway, in swarm processes of at most
#      PER_SWARM connections; after SETTLE_S it measures each gateway's RSS, heap after a full GC and
#      descriptors, the hub's RSS, the gateways' drover_devices_connected, and counts the devices the
#      hub's database shows online (SQL), waiting until all of them are;
#   5. connect rate, RATE_REPS times after WARMUP_RUNS unrecorded runs each, interleaved (the order
#      swaps every run): RATE_COUNT connects with RATE_IN_FLIGHT CONNECTs in flight against (a) a
#      gateway-only node, whose every authentication and session notice crosses the cluster bus to the
#      hub, and (b) the single node, where they stay in the process;
#   6. function-call round trip, CALL_REPS times interleaved (CALL_REPS=0 skips): an account calls a
#      function on its device CALLS times, one at a time, after CALL_WARMUP unrecorded calls
#      (load-tests/cluster/CallRoundTrip.java): (a) through the hub's API to a device held by a gateway
#      node, so the call and its answer cross the bus; (b) on the single node, where they stay local;
#   7. writes sessions.tsv, rates.jsonl, calls.tsv and summary.md into OUT_DIR, and stops everything
#      it started.
#
# Only loopback addresses are used; every swarm has a hold limit and a deadline and stops by itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEVICES="${DEVICES:-30000}"
PER_SWARM="${PER_SWARM:-7500}"
SETTLE_S="${SETTLE_S:-5}"
RATE_COUNT="${RATE_COUNT:-9000}"
RATE_REPS="${RATE_REPS:-5}"
RATE_IN_FLIGHT="${RATE_IN_FLIGHT:-100}"
WARMUP_RUNS="${WARMUP_RUNS:-2}"
CALL_REPS="${CALL_REPS:-5}"
CALLS="${CALLS:-200}"
CALL_WARMUP="${CALL_WARMUP:-50}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/cluster-scale-$(date +%Y%m%d-%H%M%S)}"
SKIP_BUILD="${SKIP_BUILD:-0}"
# A hub node joining a cluster may take longer than a lone node to start.
NODE_START_S="${NODE_START_S:-120}"

CLUSTER_NAME="drover-bench-$$"

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

# ---------------------------------------------------------------------------------------------
# Measurements

mqtt_connected() { node_metric_sum "$1" drover_devices_connected 'protocol="mqtt"'; }

# Devices the hub's database shows online, and all devices: "online total".
online_in_hub() { node_sql hub 'SELECT count(*) FILTER (WHERE online), count(*) FROM device_connectivity'; }

# Appends one row to sessions.tsv: node phase sessions rss_kb rss_after_gc_kb heap_after_gc_kb fds
measure() { # node phase sessions
  local name=$1 pid=${NODE_PID[$1]} rss rss_gc heap
  rss=$(rss_kb "$pid")
  jcmd "$pid" GC.run >/dev/null
  sleep 1
  rss_gc=$(rss_kb "$pid")
  heap=$(heap_used_kb "$pid")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$2" "$3" "$rss" "$rss_gc" "$heap" "$(fd_count "$pid")" >>"$OUT_DIR/sessions.tsv"
  log "measured [$name $2, $3 sessions]: RSS ${rss} kB, after GC ${rss_gc} kB, heap ${heap} kB"
}

wait_online() { # expected; waits at most 120 s for the hub's database to show that many online
  local expected=$1 start=$SECONDS counts=""
  while ((SECONDS - start < 120)); do
    counts=$(online_in_hub)
    [[ "${counts%% *}" == "$expected" ]] && break
    sleep 1
  done
  log "online in the hub's database: ${counts%% *} of ${counts##* } devices (waited $((SECONDS - start)) s for $expected)"
  echo "${counts%% *}"
}

# Half the devices through each gateway, in swarms of at most PER_SWARM; measures, then lets go.
hold_sessions() {
  local half=$((DEVICES / 2)) gw offset=0 index=0 ready_files=()
  rm -f "$WORK/stop"
  for gw in gw1 gw2; do
    local share=$half
    [[ "$gw" == gw2 ]] && share=$((DEVICES - half))
    local remaining=$share
    while ((remaining > 0)); do
      local count=$((remaining < PER_SWARM ? remaining : PER_SWARM)) name="hold-$gw-s$index"
      swarm_launch "$name" "${NODE_MQTT[$gw]}" "$WORK/devices-hub.txt" "$offset" "$count" \
        --in-flight 100 --hold-s 900 --deadline-s 1200 \
        --stop-file "$WORK/stop" --ready-file "$WORK/ready-$name"
      ready_files+=("$WORK/ready-$name")
      offset=$((offset + count)); remaining=$((remaining - count)); index=$((index + 1))
    done
  done
  local connect_start=$SECONDS
  swarms_wait_ready 600 "${ready_files[@]}"
  local file connected=0
  for file in "${ready_files[@]}"; do connected=$((connected + $(jq .connected "$file"))); done
  log "$connected of $DEVICES sessions connected in $((SECONDS - connect_start)) s"
  ((connected == DEVICES)) || log "WARNING: only $connected of $DEVICES devices connected"
  HELD=$connected
  ONLINE=$(wait_online "$connected")
  sleep "$SETTLE_S"
  GW_CONNECTED=()
  for gw in gw1 gw2; do
    local held
    held=$(mqtt_connected "$gw")
    GW_CONNECTED+=("$held")
    measure "$gw" held "$held"
  done
  measure hub held "$connected"
  touch "$WORK/stop"
  swarms_wait
  node_wait_idle gw1
  node_wait_idle gw2
  wait_online 0 >/dev/null
}

rate_run() { # server label
  local server=$1 label=$2 name="rate-$1-$2" port credentials
  if [[ "$server" == clustered ]]; then port=${NODE_MQTT[gw1]}; credentials="$WORK/devices-hub.txt"
  else port=${NODE_MQTT[single]}; credentials="$WORK/devices-single.txt"; fi
  swarm_launch "$name" "$port" "$credentials" 0 "$RATE_COUNT" --in-flight "$RATE_IN_FLIGHT" --hold-s 0 --deadline-s 600
  swarms_wait
  if [[ "$label" != warmup* ]]; then
    jq -c --arg server "$server" --arg run "$label" '{server: $server, run: $run} + .' "$OUT_DIR/swarm-$name.json" >>"$OUT_DIR/rates.jsonl"
  fi
  log "connect rate [$server $label]: $(jq -c '{connected, failed, connectsPerSecond, connectP50Ms, connectP99Ms}' "$OUT_DIR/swarm-$name.json")"
  if [[ "$server" == clustered ]]; then node_wait_idle gw1; wait_online 0 >/dev/null; else node_wait_idle single; fi
}

rate_pair() { # label index
  if (($2 % 2)); then rate_run clustered "$1"; rate_run single "$1"
  else rate_run single "$1"; rate_run clustered "$1"; fi
}

call_run() { # server rep; appends: server rep calls p50_ms p90_ms p99_ms max_ms failed
  local server=$1 http mqtt admin line
  if [[ "$server" == clustered ]]; then http=${NODE_HTTP[hub]}; mqtt=${NODE_MQTT[gw1]}; admin=$(cat "${NODE_DATA[hub]}/admin-token")
  else http=${NODE_HTTP[single]}; mqtt=${NODE_MQTT[single]}; admin=$(cat "${NODE_DATA[single]}/admin-token"); fi
  line=$(timeout 300 java -Xmx256m "$WORK/CallRoundTrip.java" "$http" "$mqtt" "$admin" "$CALL_WARMUP" "$CALLS" \
    2>>"$OUT_DIR/calls-$server.log") || die "the call round trip against $server failed; see $OUT_DIR/calls-$server.log"
  printf '%s\t%s\t%s\n' "$server" "$2" "$line" >>"$OUT_DIR/calls.tsv"
  log "call round trip [$server $2]: calls, p50, p90, p99, max ms, failed: $(tr '\t' ' ' <<<"$line")"
}

# ---------------------------------------------------------------------------------------------
# Summary

value() { # node phase column
  awk -F'\t' -v n="$1" -v p="$2" -v c="$3" '$1 == n && $2 == p { print $c; exit }' "$OUT_DIR/sessions.tsv"
}
per_session() { # node column sessions: (held - idle) / sessions, in KiB
  awk -v a="$(value "$1" held "$2")" -v b="$(value "$1" idle "$2")" -v n="$3" 'BEGIN { if (n > 0) printf "%.2f\n", (a - b) / n; else print "NA" }'
}
call_median() { awk -F'\t' -v s="$1" -v c="$2" '$1 == s { print $c }' "$OUT_DIR/calls.tsv" | median; }
rate_median() { jq -r --arg s "$1" "select(.server == \$s) | .$2" "$OUT_DIR/rates.jsonl" | median; }

write_summary() {
  local s="$OUT_DIR/summary.md" gw i=0
  {
    echo "# Cluster: sessions past one process, connect rate across the bus ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    describe_run
    echo
    echo "## Sessions held: $HELD of $DEVICES connected; online in the hub's database: $ONLINE"
    echo
    echo "RSS after GC is measured right after a forced full GC (jcmd GC.run), which lets G1 hand back"
    echo "memory: read it for the hub, whose RSS before GC still holds the provisioning's garbage."
    echo
    echo "| node | sessions | RSS idle | RSS held | RSS/session | RSS after GC/session | heap after GC idle | heap after GC held | heap/session | descriptors held |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for gw in gw1 gw2; do
      local n=${GW_CONNECTED[i]}
      echo "| $gw (gateway) | $n | $(mib "$(value "$gw" idle 4)") MiB | $(mib "$(value "$gw" held 4)") MiB | $(per_session "$gw" 4 "$n") KiB | $(per_session "$gw" 5 "$n") KiB | $(mib "$(value "$gw" idle 6)") MiB | $(mib "$(value "$gw" held 6)") MiB | $(per_session "$gw" 6 "$n") KiB | $(value "$gw" held 7) |"
      i=$((i + 1))
    done
    echo "| hub | ($HELD via the gateways) | $(mib "$(value hub idle 4)") MiB | $(mib "$(value hub held 4)") MiB | $(per_session hub 4 "$HELD") KiB | $(per_session hub 5 "$HELD") KiB | $(mib "$(value hub idle 6)") MiB | $(mib "$(value hub held 6)") MiB | $(per_session hub 6 "$HELD") KiB | $(value hub held 7) |"
    echo
    echo "## Connect rate: $RATE_COUNT connects, $RATE_IN_FLIGHT in flight (medians of $RATE_REPS, after $WARMUP_RUNS warm-ups each)"
    echo
    echo "| server | connects/s | CONNECT to CONNACK p50 ms | p99 ms | failed (total) |"
    echo "|---|---|---|---|---|"
    local server
    for server in clustered single; do
      echo "| $server | $(rounded 0 "$(rate_median "$server" connectsPerSecond)") | $(rounded 1 "$(rate_median "$server" connectP50Ms)") | $(rounded 1 "$(rate_median "$server" connectP99Ms)") | $(jq -s --arg s "$server" 'map(select(.server == $s) | .failed) | add' "$OUT_DIR/rates.jsonl") |"
    done
    echo
    echo "clustered/single connects/s: $(ratio "$(rate_median clustered connectsPerSecond)" "$(rate_median single connectsPerSecond)")" \
      "(each run: $(jq -r 'select(.server == "clustered") | .connectsPerSecond | round' "$OUT_DIR/rates.jsonl" | paste -sd' ') vs" \
      "$(jq -r 'select(.server == "single") | .connectsPerSecond | round' "$OUT_DIR/rates.jsonl" | paste -sd' '));" \
      "median of the per-run ratios: $(rounded 2 "$(jq -rs '(map(select(.server == "clustered")) | map(.connectsPerSecond)) as $c
          | (map(select(.server == "single")) | map(.connectsPerSecond)) as $s
          | range(0; [$c, $s] | map(length) | min) | $c[.] / $s[.]' "$OUT_DIR/rates.jsonl" | median)");" \
      "p50 clustered/single: $(ratio "$(rate_median clustered connectP50Ms)" "$(rate_median single connectP50Ms)")"
    if ((CALL_REPS > 0)); then
      echo
      echo "## Function-call round trip: $CALLS calls one at a time, after $CALL_WARMUP unrecorded (medians of $CALL_REPS)"
      echo
      echo "| path | p50 ms | p90 ms | p99 ms | failed (total) |"
      echo "|---|---|---|---|---|"
      echo "| clustered: API on the hub, device on gw1 | $(call_median clustered 4) | $(call_median clustered 5) | $(call_median clustered 6) | $(awk -F'\t' '$1 == "clustered" { n += $8 } END { print n + 0 }' "$OUT_DIR/calls.tsv") |"
      echo "| single: API and device on one node | $(call_median single 4) | $(call_median single 5) | $(call_median single 6) | $(awk -F'\t' '$1 == "single" { n += $8 } END { print n + 0 }' "$OUT_DIR/calls.tsv") |"
      echo
      echo "clustered/single p50: $(ratio "$(call_median clustered 4)" "$(call_median single 4)"); p99: $(ratio "$(call_median clustered 6)" "$(call_median single 6)")" \
        "(p50 of each run: $(awk -F'\t' '$1 == "clustered" { print $4 }' "$OUT_DIR/calls.tsv" | paste -sd' ') vs $(awk -F'\t' '$1 == "single" { print $4 }' "$OUT_DIR/calls.tsv" | paste -sd' '))"
    fi
    echo
    node_log_warnings_section
    echo "Raw rows: sessions.tsv (node, phase, sessions, rss_kb, rss_after_gc_kb, heap_after_gc_kb, fds); rates.jsonl; calls.tsv (server, rep, calls, p50, p90, p99, max ms, failed)."
  } >"$s"
  cat "$s"
}

# ---------------------------------------------------------------------------------------------
# Run

# The whole run is one function, so bash has read all of it before it starts: editing this file
# while a run goes on cannot change what the run does.
main() {
  require_tools java jcmd jq curl ss psql
  ((PER_SWARM <= 19000)) || die "PER_SWARM ($PER_SWARM) must stay below one process's 20,000 open files"
  ((RATE_COUNT <= 19000 && RATE_COUNT <= DEVICES)) || die "RATE_COUNT ($RATE_COUNT) must be at most 19,000 and at most DEVICES"
  FD_LIMIT=$(ulimit -n)
  ((DEVICES / 2 + 1000 <= FD_LIMIT)) || die "a gateway holding $((DEVICES / 2)) connections needs more than the open-files limit ($FD_LIMIT); lower DEVICES"

  mkdir -p "$OUT_DIR"
  : >"$OUT_DIR/sessions.tsv"
  : >"$OUT_DIR/rates.jsonl"
  : >"$OUT_DIR/calls.tsv"
  build_project
  make_workdir cluster-scale
  cp "$ROOT/load-tests/cluster/CallRoundTrip.java" "$WORK/"
  log "results go to $OUT_DIR"

  local HUB_PORT GW1_PORT GW2_PORT members name run
  HUB_PORT=$(free_port); GW1_PORT=$(free_port "$HUB_PORT"); GW2_PORT=$(free_port "$HUB_PORT" "$GW1_PORT")
  MEMBERS="127.0.0.1:$HUB_PORT,127.0.0.1:$GW1_PORT,127.0.0.1:$GW2_PORT"
  # the cluster's event bus runs over TLS with client certificates, as in production
  java -jar "$WORK/drover.jar" cluster-ca --out "$WORK/cluster-ca" --nodes hub,gw1,gw2 >/dev/null || die "cluster-ca failed"
  cluster_flags() { # roles port node
    echo "--node.roles=$1 --cluster.enabled=true --cluster.name=$CLUSTER_NAME --cluster.host=127.0.0.1 --cluster.port=$2 --cluster.members=$MEMBERS" \
      "--cluster.tls-cert-file=$WORK/cluster-ca/$3.crt --cluster.tls-key-file=$WORK/cluster-ca/$3.key --cluster.tls-ca-file=$WORK/cluster-ca/ca.crt"
  }
  # shellcheck disable=SC2046
  node_start hub hub "$WORK/data-hub" $(cluster_flags hub "$HUB_PORT" hub)
  # shellcheck disable=SC2046
  node_start gw1 gw1 "$WORK/data-gw1" $(cluster_flags gateway "$GW1_PORT" gw1)
  # shellcheck disable=SC2046
  node_start gw2 gw2 "$WORK/data-gw2" $(cluster_flags gateway "$GW2_PORT" gw2)
  for _ in $(seq 1 60); do
    members=$(node_operations hub /health | jq -r '.checks[] | select(.id == "cluster") | .data.members' 2>/dev/null || true)
    [[ "$members" == 3 ]] && break
    sleep 1
  done
  [[ "$members" == 3 ]] || die "the cluster has ${members:-no} members, not 3"
  log "cluster of 3 members [hub, gw1, gw2]"
  node_start single single "$WORK/data-single"

  provision hub "$DEVICES" "$WORK/devices-hub.txt"
  provision single "$RATE_COUNT" "$WORK/devices-single.txt"

  sleep "$SETTLE_S"
  for name in gw1 gw2 hub; do measure "$name" idle 0; done
  hold_sessions

  for run in $(seq 1 "$WARMUP_RUNS"); do rate_pair "warmup$run" "$run"; done
  for run in $(seq 1 "$RATE_REPS"); do rate_pair "$run" "$run"; done
  for run in $(seq 1 "$CALL_REPS"); do
    if ((run % 2)); then call_run clustered "$run"; call_run single "$run"
    else call_run single "$run"; call_run clustered "$run"; fi
  done
  for name in hub gw1 gw2 single; do
    node_metrics "$name" >"$OUT_DIR/metrics-$name.txt" || true
  done
  nodes_stop_all

  write_summary
  log "done; results in $OUT_DIR"
}

main "$@"
