#!/usr/bin/env bash
# What one MQTT session costs a Drover node, and how fast it accepts connects, against Mosquitto
# measured in the same run on the same machine.
#
#   load-tests/bin/session-cost.sh                      # defaults below; ~10 minutes on 2 cores
#   SIZES="1000 5000" REPS=1 RATE_COUNT=2000 load-tests/bin/session-cost.sh   # a quick look
#
# In one run it:
#   1. builds the project (SKIP_BUILD=1 skips) and copies both jars into a temporary directory, so a
#      rebuild during the run does not change what is measured;
#   2. starts a node with a fresh data dir on free loopback ports and registers max(SIZES) devices;
#   3. memory, REPS times for each server (a fresh node / a fresh mosquitto each time): RSS idle, then
#      with a cumulative ramp of SIZES connected devices; for the node also the heap used after a forced
#      full GC (jcmd GC.run). Swarm processes hold at most PER_SWARM connections each (20k open files
#      per process), and the ramp stays below the node's own open-files limit;
#   4. connect rate, RATE_REPS times, interleaved Drover / Mosquitto after WARMUP_RUNS unrecorded runs
#      each (the node's JIT needs them): RATE_COUNT connects with RATE_IN_FLIGHT CONNECTs in flight;
#   5. writes results.tsv, rates.jsonl and summary.md into OUT_DIR, and stops everything it started.
#
# Mosquitto runs without authentication (allow_anonymous); Drover authenticates every CONNECT through
# its hub (event bus round trip and a salted SHA-256), and records each session's start and end.
# Only loopback addresses are used; every swarm has a hold limit and a deadline and stops by itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIZES="${SIZES:-1000 5000 18000}"
REPS="${REPS:-3}"
RATE_COUNT="${RATE_COUNT:-9000}"
RATE_REPS="${RATE_REPS:-5}"
RATE_IN_FLIGHT="${RATE_IN_FLIGHT:-100}"
WARMUP_RUNS="${WARMUP_RUNS:-2}"
PER_SWARM="${PER_SWARM:-9000}"
SETTLE_S="${SETTLE_S:-3}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/session-cost-$(date +%Y%m%d-%H%M%S)}"
SKIP_BUILD="${SKIP_BUILD:-0}"
NODE_JAVA_OPTS="${NODE_JAVA_OPTS:-}"
# C1 only and the serial collector: the swarm's runs are short, and C2 compiling on the shared 2 cores
# slowed the client more than it helped.
SWARM_JAVA_OPTS="${SWARM_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx2g}"
MOSQUITTO_PORT_FIRST=21883

WORK=""
NODE_PID=""
NODE_DATA=""
MOSQ_PID=""
SWARM_PIDS=()

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$WORK" && -d "$WORK" ]]; then touch "$WORK/stop"; fi
  stop_swarms
  stop_node
  stop_mosquitto
  [[ -n "$WORK" && -d "$WORK" ]] && rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Processes

start_node() { # label
  local label=$1 log_file="$OUT_DIR/node-$1.log" _
  # shellcheck disable=SC2086
  java $NODE_JAVA_OPTS -jar "$WORK/drover.jar" --data-dir "$NODE_DATA" \
    --http.host 127.0.0.1 --http.port 0 --mqtt.host 127.0.0.1 --mqtt.port 0 >"$log_file" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 180); do
    if grep -q 'node started' "$log_file"; then
      local line
      line=$(grep -m1 'node started' "$log_file")
      HTTP_PORT=$(sed -E 's/.*http-port: ([0-9]+).*/\1/' <<<"$line")
      MQTT_PORT=$(sed -E 's/.*mqtt-port: ([0-9]+).*/\1/' <<<"$line")
      log "node up [$label, pid $NODE_PID, http $HTTP_PORT, mqtt $MQTT_PORT]"
      return 0
    fi
    kill -0 "$NODE_PID" 2>/dev/null || die "node exited during start; see $log_file"
    sleep 0.5
  done
  die "node did not start within 90 s; see $log_file"
}

stop_node() {
  [[ -n "$NODE_PID" ]] || return 0
  local _
  if kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$NODE_PID" 2>/dev/null; then
      log "node did not stop within 60 s; killing it"
      kill -KILL "$NODE_PID" 2>/dev/null || true
    fi
  fi
  wait "$NODE_PID" 2>/dev/null || true
  # The embedded PostgreSQL runs detached from the JVM: if the node could not stop it, this does.
  local pg_pid_file="$NODE_DATA/postgres/postmaster.pid"
  if [[ -f "$pg_pid_file" ]]; then
    local pg_pid
    pg_pid=$(head -1 "$pg_pid_file")
    if [[ -n "$pg_pid" ]] && kill -0 "$pg_pid" 2>/dev/null; then
      log "stopping the node's orphaned PostgreSQL (pid $pg_pid)"
      kill -TERM "$pg_pid" 2>/dev/null || true
      sleep 2
    fi
  fi
  NODE_PID=""
}

start_mosquitto() { # label
  local port=$MOSQUITTO_PORT_FIRST
  while ss -Htln "sport = :$port" | grep -q .; do port=$((port + 1)); done
  MOSQ_PORT=$port
  cat >"$WORK/mosquitto.conf" <<EOF
listener $MOSQ_PORT 127.0.0.1
allow_anonymous true
max_connections -1
set_tcp_nodelay true
persistence false
log_dest stderr
log_type error
log_type warning
EOF
  mosquitto -c "$WORK/mosquitto.conf" >"$OUT_DIR/mosquitto-$1.log" 2>&1 &
  MOSQ_PID=$!
  local _
  for _ in $(seq 1 50); do
    ss -Htln "sport = :$MOSQ_PORT" | grep -q . && { log "mosquitto up [$1, pid $MOSQ_PID, port $MOSQ_PORT]"; return 0; }
    kill -0 "$MOSQ_PID" 2>/dev/null || die "mosquitto exited during start; see $OUT_DIR/mosquitto-$1.log"
    sleep 0.1
  done
  die "mosquitto did not listen within 5 s"
}

stop_mosquitto() {
  [[ -n "$MOSQ_PID" ]] || return 0
  kill -TERM "$MOSQ_PID" 2>/dev/null || true
  wait "$MOSQ_PID" 2>/dev/null || true
  MOSQ_PID=""
}

# Waits for the swarms to end by themselves (each has a hold limit and a deadline).
wait_swarms() {
  local pid
  for pid in "${SWARM_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SWARM_PIDS=()
}

stop_swarms() {
  local pid
  for pid in "${SWARM_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  wait_swarms
}

# One swarm process, in the background. Its sockets close with a reset (no TIME_WAIT), so the ~28k
# ephemeral ports towards one server are never used up by earlier runs and never slow the next one.
launch_swarm() { # name port offset count [extra swarm options...]
  local name=$1 port=$2 offset=$3 count=$4
  shift 4
  # shellcheck disable=SC2086
  java $SWARM_JAVA_OPTS -jar "$WORK/drover-swarm.jar" swarm --host 127.0.0.1 --port "$port" \
    --credentials "$WORK/devices.txt" --offset "$offset" --count "$count" \
    "$@" >"$OUT_DIR/swarm-$name.json" 2>"$OUT_DIR/swarm-$name.log" &
  SWARM_PIDS+=($!)
}

# ---------------------------------------------------------------------------------------------
# Measurements

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# jcmd GC.heap_info's first line: " garbage-first heap   total 262144K, used 45678K [...]"
heap_used_kb() { jcmd "$1" GC.heap_info | awk '/heap/ && /used/ { for (i = 1; i <= NF; i++) if ($i == "used") { sub(/K.*/, "", $(i + 1)); print $(i + 1); exit } }'; }

drover_gauge() { # metric name
  curl -s --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" | awk -v m="$1" '$1 == m || index($1, m "{") == 1 {printf "%d\n", $2; exit}'
}

# Appends one row to results.tsv: server rep devices rss_kb rss_after_gc_kb heap_used_kb fds
measure() { # server rep devices pid
  local server=$1 rep=$2 devices=$3 pid=$4 rss rss_gc=NA heap=NA
  sleep "$SETTLE_S"
  rss=$(rss_kb "$pid")
  if [[ "$server" == drover ]]; then
    jcmd "$pid" GC.run >/dev/null
    sleep 1
    rss_gc=$(rss_kb "$pid")
    heap=$(heap_used_kb "$pid")
    # What the heap holds, idle and at the largest size, once: where the per-session bytes go.
    if [[ "$rep" == 1 && ( "$devices" == 0 || "$devices" == "$MAX_SIZE" ) ]]; then
      jcmd "$pid" GC.class_histogram | head -45 >"$OUT_DIR/drover-class-histogram-$devices.txt"
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$rep" "$devices" "$rss" "$rss_gc" "$heap" "$(fd_count "$pid")" >>"$OUT_DIR/results.tsv"
  log "measured [$server rep $rep, $devices devices]: RSS ${rss} kB, after GC ${rss_gc} kB, heap ${heap} kB"
}

wait_ready() { # ready-file... ; fails if a swarm dies first or after 300 s
  local deadline=$((SECONDS + 300)) file
  for file in "$@"; do
    while [[ ! -f "$file" ]]; do
      ((SECONDS < deadline)) || die "swarm not connected within 300 s ($file)"
      local pid alive=0
      for pid in "${SWARM_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      ((alive)) || die "every swarm exited before $file appeared; see $OUT_DIR/swarm-*.log"
      sleep 0.2
    done
  done
}

# Connects SIZES cumulatively to one server (port, pid), measuring after each step, then lets go.
ramp() { # server rep port pid
  local server=$1 rep=$2 port=$3 pid=$4 held=0 size swarm_index=0
  rm -f "$WORK/stop"
  for size in $SIZES; do
    local ready_files=() offset=$held remaining=$((size - held))
    while ((remaining > 0)); do
      local count=$((remaining < PER_SWARM ? remaining : PER_SWARM))
      local name="$server-r$rep-s$swarm_index"
      launch_swarm "$name" "$port" "$offset" "$count" \
        --in-flight 100 --hold-s 900 --deadline-s 1200 \
        --stop-file "$WORK/stop" --ready-file "$WORK/ready-$name"
      ready_files+=("$WORK/ready-$name")
      offset=$((offset + count)); remaining=$((remaining - count)); swarm_index=$((swarm_index + 1))
    done
    wait_ready "${ready_files[@]}"
    local file connected=0
    for file in "${ready_files[@]}"; do connected=$((connected + $(jq .connected "$file"))); done
    ((connected == size - held)) || log "WARNING: $server step $size: only $connected of $((size - held)) new devices connected"
    held=$((held + connected))
    if [[ "$server" == drover ]]; then
      log "drover_devices_connected = $(drover_gauge drover_devices_connected)"
    fi
    measure "$server" "$rep" "$held" "$pid"
  done
  touch "$WORK/stop"
  wait_swarms
}

rate_run() { # server label port
  local name="rate-$1-$2"
  launch_swarm "$name" "$3" 0 "$RATE_COUNT" --in-flight "$RATE_IN_FLIGHT" --hold-s 0 --deadline-s 600
  wait_swarms
  if [[ "$2" != warmup* ]]; then
    jq -c --arg server "$1" --arg run "$2" '{server: $server, run: $run} + .' "$OUT_DIR/swarm-$name.json" >>"$OUT_DIR/rates.jsonl"
  fi
  log "connect rate [$1 $2]: $(jq -c '{connected, failed, connectsPerSecond, connectP50Ms, connectP99Ms}' "$OUT_DIR/swarm-$name.json")"
}

wait_drover_idle() { # until the node has seen every disconnect (at most 60 s)
  local _
  for _ in $(seq 1 120); do
    [[ "$(drover_gauge drover_devices_connected)" == 0 ]] && return 0
    sleep 0.5
  done
  log "WARNING: node still reports $(drover_gauge drover_devices_connected) devices connected"
}

# ---------------------------------------------------------------------------------------------
# Summary

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "NA"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Per rep: (value with N - value idle) / N, then the median over reps.
per_device_median() { # server devices column(4=rss, 5=rss after gc, 6=heap)
  awk -F'\t' -v s="$1" -v n="$2" -v c="$3" '
    $1 == s && $3 == 0 { idle[$2] = $c }
    $1 == s && $3 == n { with[$2] = $c }
    END { for (r in with) if ((r in idle) && with[r] != "NA") printf "%.3f\n", (with[r] - idle[r]) / n }' "$OUT_DIR/results.tsv" | median
}

column_median() { # server devices column
  awk -F'\t' -v s="$1" -v n="$2" -v c="$3" '$1 == s && $3 == n && $c != "NA" { print $c }' "$OUT_DIR/results.tsv" | median
}

rate_median() { # server field
  jq -r --arg s "$1" "select(.server == \$s) | .$2" "$OUT_DIR/rates.jsonl" | median
}

rounded() { awk -v d="$1" -v x="$2" 'BEGIN { if (x == "NA") print "NA"; else printf "%.*f\n", d, x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2f\n", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "NA") print "NA"; else printf "%.1f\n", k / 1024 }'; }

write_summary() {
  local s="$OUT_DIR/summary.md" n
  {
    echo "# MQTT session cost and connect rate ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "Code: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- gateway hub 2>/dev/null || echo ' with uncommitted changes in gateway/ or hub/')."
    echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -r); $(java -version 2>&1 | head -1);" \
      "$(mosquitto -h 2>/dev/null | head -1). Medians of $REPS memory ramps and $RATE_REPS connect-rate runs."
    echo
    echo "## Memory per connection (RSS in MiB, per-connection figures in KiB; medians)"
    echo
    echo "| devices held | Drover RSS | Drover RSS after full GC | Drover heap after full GC | Mosquitto RSS | Drover RSS/conn | Drover RSS-after-GC/conn | Drover heap/session | Mosquitto RSS/conn | RSS/conn Drover/Mosquitto |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for n in 0 $SIZES; do
      local d_rss d_gc d_heap m_rss p_rss p_gc p_heap p_mosq
      d_rss=$(mib "$(column_median drover "$n" 4)")
      d_gc=$(mib "$(column_median drover "$n" 5)")
      d_heap=$(mib "$(column_median drover "$n" 6)")
      m_rss=$(mib "$(column_median mosquitto "$n" 4)")
      if ((n == 0)); then
        echo "| idle | $d_rss | $d_gc | $d_heap | $m_rss | | | | | |"
      else
        p_rss=$(per_device_median drover "$n" 4)
        p_gc=$(per_device_median drover "$n" 5)
        p_heap=$(per_device_median drover "$n" 6)
        p_mosq=$(per_device_median mosquitto "$n" 4)
        echo "| $n | $d_rss | $d_gc | $d_heap | $m_rss | $(rounded 2 "$p_rss") | $(rounded 2 "$p_gc") | $(rounded 2 "$p_heap") | $(rounded 2 "$p_mosq") | $(ratio "$p_rss" "$p_mosq") |"
      fi
    done
    echo
    echo "## Connect rate: $RATE_COUNT connects, $RATE_IN_FLIGHT in flight (medians of $RATE_REPS)"
    echo
    echo "| server | connects/s | CONNECT to CONNACK p50 ms | p99 ms | failed (total) |"
    echo "|---|---|---|---|---|"
    local server
    for server in drover mosquitto; do
      echo "| $server | $(rounded 0 "$(rate_median "$server" connectsPerSecond)") | $(rounded 1 "$(rate_median "$server" connectP50Ms)") | $(rounded 1 "$(rate_median "$server" connectP99Ms)") | $(jq -s --arg s "$server" 'map(select(.server == $s) | .failed) | add' "$OUT_DIR/rates.jsonl") |"
    done
    echo
    echo "Drover/Mosquitto connects/s: $(ratio "$(rate_median drover connectsPerSecond)" "$(rate_median mosquitto connectsPerSecond)")" \
      "(each run: $(jq -r --arg s drover 'select(.server == $s) | .connectsPerSecond | round' "$OUT_DIR/rates.jsonl" | paste -sd' ') vs" \
      "$(jq -r --arg s mosquitto 'select(.server == $s) | .connectsPerSecond | round' "$OUT_DIR/rates.jsonl" | paste -sd' '));" \
      "median of the per-run ratios (each Drover run against the Mosquitto run right after it):" \
      "$(rounded 2 "$(jq -rs '(map(select(.server == "drover")) | map(.connectsPerSecond)) as $d
          | (map(select(.server == "mosquitto")) | map(.connectsPerSecond)) as $m
          | range(0; [$d, $m] | map(length) | min) | $d[.] / $m[.]' "$OUT_DIR/rates.jsonl" | median)")"
    echo
    echo "Node log lines at WARN or ERROR during the run (digits replaced by N):"
    echo
    echo '```'
    cat "$OUT_DIR"/node-*.log | grep -E '^[0-9:.]+ (WARN|ERROR) ' | cut -d' ' -f2- | cut -c1-160 | sed -E 's/[0-9]+/N/g' | sort | uniq -c || true
    echo '```'
    echo
    echo "Raw rows: results.tsv (server, rep, devices, rss_kb, rss_after_gc_kb, heap_used_kb, fds); rates.jsonl."
  } >"$s"
  cat "$s"
}

# ---------------------------------------------------------------------------------------------
# Run

for tool in java jcmd jq curl ss; do
  command -v "$tool" >/dev/null || die "$tool is needed (java and jcmd from a JDK)"
done
if ! command -v mosquitto >/dev/null; then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing mosquitto (the baseline broker)"
    apt-get install -y -qq mosquitto >/dev/null || { apt-get update -qq && apt-get install -y -qq mosquitto >/dev/null; }
  else
    die "mosquitto is needed for the baseline: apt-get install -y mosquitto"
  fi
fi
MAX_SIZE=$(tr ' ' '\n' <<<"$SIZES" | sort -n | tail -1)
((RATE_COUNT <= MAX_SIZE)) || die "RATE_COUNT ($RATE_COUNT) must not exceed the largest of SIZES ($MAX_SIZE)"
((RATE_COUNT <= 19000)) || die "RATE_COUNT ($RATE_COUNT) must stay below one process's 20,000 open files"
FD_LIMIT=$(ulimit -n)
((MAX_SIZE + 1000 <= FD_LIMIT)) || die "holding $MAX_SIZE connections needs more than the open-files limit of the server process ($FD_LIMIT); lower SIZES"

mkdir -p "$OUT_DIR"
: >"$OUT_DIR/results.tsv"
: >"$OUT_DIR/rates.jsonl"
if [[ "$SKIP_BUILD" != 1 ]]; then
  log "building (mvn -B -q install -DskipTests)"
  (cd "$ROOT" && mvn -B -q install -DskipTests) || die "build failed"
fi
WORK=$(mktemp -d /tmp/drover-session-cost.XXXXXX)
NODE_DATA="$WORK/node-data"
cp "$ROOT/hub/target/drover.jar" "$ROOT/load-tests/target/drover-swarm.jar" "$WORK/"
log "results go to $OUT_DIR"

start_node provision
# shellcheck disable=SC2086
java $SWARM_JAVA_OPTS -jar "$WORK/drover-swarm.jar" provision --port "$HTTP_PORT" \
  --token-file "$NODE_DATA/admin-token" --count "$MAX_SIZE" --concurrency 64 --out "$WORK/devices.txt" \
  | tee "$OUT_DIR/provision.json" >&2
stop_node

for rep in $(seq 1 "$REPS"); do
  start_node "memory-$rep"
  sleep 2
  measure drover "$rep" 0 "$NODE_PID"
  ramp drover "$rep" "$MQTT_PORT" "$NODE_PID"
  stop_node

  start_mosquitto "memory-$rep"
  measure mosquitto "$rep" 0 "$MOSQ_PID"
  ramp mosquitto "$rep" "$MOSQ_PORT" "$MOSQ_PID"
  stop_mosquitto
done

start_node rate
start_mosquitto rate
for run in $(seq 1 "$WARMUP_RUNS"); do
  rate_run drover "warmup$run" "$MQTT_PORT"; wait_drover_idle
  rate_run mosquitto "warmup$run" "$MOSQ_PORT"
done
for run in $(seq 1 "$RATE_REPS"); do
  rate_run drover "$run" "$MQTT_PORT"; wait_drover_idle
  rate_run mosquitto "$run" "$MOSQ_PORT"
done
curl -s --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" >"$OUT_DIR/node-metrics-after-rate.txt" || true
stop_mosquitto
stop_node

write_summary
log "done; results in $OUT_DIR"
