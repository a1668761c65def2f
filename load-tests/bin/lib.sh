# shellcheck shell=bash
# Helpers shared by the benchmark scripts in this folder: sourced, never run.
#
#   ROOT=...; OUT_DIR=...; source "$ROOT/load-tests/bin/lib.sh"
#
# Sourcing installs the EXIT/INT/TERM traps: whatever way a script ends, the swarms, listeners,
# nodes (and their embedded PostgreSQL) and mosquitto it started are stopped and its work directory
# is removed. A script sets ROOT and OUT_DIR before it sources this, and may set NODE_JAVA_OPTS and
# SWARM_JAVA_OPTS. Nodes are kept by a key (a variant's label, say), so several may run at once:
# NODE_PID[key], NODE_DATA[key], NODE_HTTP[key], NODE_MQTT[key], NODE_COAP[key], NODE_LOG[key].
#
# Only loopback addresses are used; every wait here is bounded in time.

: "${ROOT:?set ROOT before sourcing lib.sh}"
: "${OUT_DIR:?set OUT_DIR before sourcing lib.sh}"
NODE_JAVA_OPTS="${NODE_JAVA_OPTS:-}"
# C1 only and the serial collector: the swarm's runs are short, and C2 compiling on the shared 2 cores
# slowed the client more than it helped.
SWARM_JAVA_OPTS="${SWARM_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx2g}"
MOSQUITTO_PORT_FIRST="${MOSQUITTO_PORT_FIRST:-21883}"

WORK=""
SWARM_PIDS=()
TOOL_PIDS=()
NODE_KEYS=()
declare -A NODE_PID=() NODE_DATA=() NODE_HTTP=() NODE_MQTT=() NODE_COAP=() NODE_LOG=()
declare -A VARIANT_JAVA_OPTS=()  # a variant's own JVM options (read_variants)
declare -A VARIANT_ENV=()        # a variant's own environment variables, NAME=value ... (read_variants)
MOSQ_PID=""
MOSQ_PORT=""
CLK_TCK=$(getconf CLK_TCK)

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

bench_cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$WORK" && -d "$WORK" ]]; then touch "$WORK/stop"; fi
  swarms_stop
  tools_stop
  nodes_stop_all
  mosquitto_stop
  [[ -n "$WORK" && -d "$WORK" ]] && rm -rf "$WORK"
  exit "$status"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Set-up

require_tools() { # tool...
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is needed (java and jcmd from a JDK, psql from postgresql-client, mosquitto_sub from mosquitto-clients)"
  done
}

# Mosquitto 2 is the MQTT baseline; installed through apt-get when running as root.
require_mosquitto() {
  command -v mosquitto >/dev/null && return 0
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing mosquitto (the baseline broker)"
    apt-get install -y -qq mosquitto >/dev/null || { apt-get update -qq && apt-get install -y -qq mosquitto >/dev/null; }
  else
    die "mosquitto is needed for the baseline: apt-get install -y mosquitto"
  fi
}

# Builds the node and the swarm jars unless SKIP_BUILD=1: package, never install, so that a run does
# not replace the artifacts in ~/.m2 that other builds on the machine read.
build_project() {
  [[ "${SKIP_BUILD:-0}" == 1 ]] && return 0
  log "building (mvn -B -q package -DskipTests)"
  (cd "$ROOT" && mvn -B -q -pl coap-protocol,gateway,hub,load-tests -am package -DskipTests) || die "build failed"
}

# A temporary work directory holding copies of the node and swarm jars, so that a rebuild during the
# run does not change what is measured. Sets WORK.
make_workdir() { # name
  WORK=$(mktemp -d "/tmp/drover-$1.XXXXXX")
  cp "$ROOT/hub/target/drover.jar" "$ROOT/load-tests/target/drover-swarm.jar" "$WORK/"
  local label
  for label in "${!VARIANT_JAR[@]}"; do
    cp "${VARIANT_JAR[$label]}" "$WORK/drover-$label.jar"
  done
}

# "Code: <commit>" and the machine, for the top of a summary.
describe_run() {
  echo "Code: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- gateway hub 2>/dev/null || echo ' with uncommitted changes in gateway/ or hub/')."
  echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -r); $(java -version 2>&1 | head -1);" \
    "$(mosquitto -h 2>/dev/null | head -1). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
}

# ---------------------------------------------------------------------------------------------
# Node variants
#
# NODE_ARGS_A / LABEL_A is the node as configured by NODE_ARGS_A (default: no extra arguments). Setting
# NODE_ARGS_B, even to nothing (NODE_ARGS_B=""), adds a second variant, measured in the same run; so do
# NODE_ARGS_C and NODE_ARGS_D (scripts that compare more than two say so). With one variant its label
# is "drover", with more "drover-a", "drover-b", ... unless LABEL_A, LABEL_B, ... name them.
# Labels name files and rows: letters, digits, '-' and '_' only.

# NODE_JAR_A / NODE_JAR_B / ...: a drover.jar of other code for that variant (built from another
# commit), so that a change is measured before and after in the same run; default: the jar this
# checkout builds. NODE_JAVA_OPTS_A / NODE_JAVA_OPTS_B / ...: that variant's JVM options instead of
# NODE_JAVA_OPTS (JVM flags compared in one run). NODE_ENV_A / NODE_ENV_B / ...: environment variables
# for that variant's JVM only, NAME=value separated by spaces (MALLOC_ARENA_MAX=2, say).
#
# Sets VARIANTS (the labels, A first), VARIANT_ARGS[label] (the extra node arguments, word-split),
# VARIANT_JAR[label] (the variant's own jar, when it has one), and LABEL_A, LABEL_B, ... as used.
read_variants() {
  declare -gA VARIANT_ARGS=()
  declare -gA VARIANT_JAR=()
  VARIANT_JAVA_OPTS=()
  VARIANT_ENV=()
  VARIANTS=()
  local letter several=0 args_var label_var jar_var opts_var env_var label
  for letter in B C D; do
    args_var="NODE_ARGS_$letter"
    [[ -z "${!args_var+set}" ]] || several=1
  done
  for letter in A B C D; do
    args_var="NODE_ARGS_$letter" label_var="LABEL_$letter" jar_var="NODE_JAR_$letter" opts_var="NODE_JAVA_OPTS_$letter"
    env_var="NODE_ENV_$letter"
    [[ "$letter" == A || -n "${!args_var+set}" ]] || continue
    if ((several)); then label="${!label_var:-drover-${letter,,}}"; else label="${!label_var:-drover}"; fi
    [[ -z "${VARIANT_ARGS[$label]+set}" ]] || die "two node variants are labelled '$label'; set LABEL_A, LABEL_B, ... apart"
    printf -v "$label_var" '%s' "$label"
    VARIANTS+=("$label")
    VARIANT_ARGS[$label]="${!args_var:-}"
    [[ -z "${!jar_var:-}" ]] || VARIANT_JAR[$label]="${!jar_var}"
    [[ -z "${!opts_var+set}" ]] || VARIANT_JAVA_OPTS[$label]="${!opts_var}"
    [[ -z "${!env_var:-}" ]] || VARIANT_ENV[$label]="${!env_var}"
  done
  for label in "${VARIANTS[@]}"; do
    [[ "$label" =~ ^[A-Za-z0-9_-]+$ ]] || die "label '$label' may hold letters, digits, '-' and '_' only"
    [[ "$label" != mosquitto ]] || die "'mosquitto' is the baseline's label; name the node variants otherwise"
    [[ -z "${VARIANT_JAR[$label]:-}" || -f "${VARIANT_JAR[$label]}" ]] || die "no jar ${VARIANT_JAR[$label]} for variant $label"
    log "node variant [$label: ${VARIANT_ARGS[$label]:-(no extra arguments)}${VARIANT_JAR[$label]:+, jar ${VARIANT_JAR[$label]}}${VARIANT_JAVA_OPTS[$label]+, JVM options '${VARIANT_JAVA_OPTS[$label]}'}${VARIANT_ENV[$label]:+, environment '${VARIANT_ENV[$label]}'}]"
  done
}

# ---------------------------------------------------------------------------------------------
# Nodes

# Starts a node on free loopback ports (HTTP, MQTT, CoAP) and waits NODE_START_S seconds at most (90)
# for its "node started" line. A port the node does not open (a role without it) reads "-".
node_start() { # key log-name data-dir [node arguments...]
  local key=$1 log_name=$2 log_file="$OUT_DIR/node-$2.log" data=$3 _ line jar="$WORK/drover-$1.jar"
  shift 3
  [[ -f "$jar" ]] || jar="$WORK/drover.jar"
  local java_opts="$NODE_JAVA_OPTS"
  [[ -z "${VARIANT_JAVA_OPTS[$key]+set}" ]] || java_opts="${VARIANT_JAVA_OPTS[$key]}"
  # shellcheck disable=SC2086
  env ${VARIANT_ENV[$key]:-} java $java_opts -jar "$jar" --data-dir "$data" \
    --http.host 127.0.0.1 --http.port 0 --http.tls-port 0 --mqtt.host 127.0.0.1 --mqtt.port 0 --mqtt.tls-port 0 \
    --coap.host 127.0.0.1 --coap.port 0 "$@" >"$log_file" 2>&1 &
  NODE_PID[$key]=$!
  NODE_DATA[$key]=$data
  NODE_LOG[$key]=$log_file
  [[ " ${NODE_KEYS[*]} " == *" $key "* ]] || NODE_KEYS+=("$key")
  for _ in $(seq 1 $((2 * ${NODE_START_S:-90}))); do
    if grep -q 'node started' "$log_file"; then
      line=$(grep -m1 'node started' "$log_file")
      NODE_HTTP[$key]=$(sed -E 's/.*http-port: ([0-9-]+).*/\1/' <<<"$line")
      NODE_MQTT[$key]=$(sed -E 's/.*mqtt-port: ([0-9-]+).*/\1/' <<<"$line")
      NODE_COAP[$key]=$(sed -E 's/.*coaps-port: ([0-9-]+).*/\1/' <<<"$line")
      log "node up [$key ($log_name), pid ${NODE_PID[$key]}, http ${NODE_HTTP[$key]}, mqtt ${NODE_MQTT[$key]}, coaps ${NODE_COAP[$key]}]"
      return 0
    fi
    kill -0 "${NODE_PID[$key]}" 2>/dev/null || die "node $key exited during start; see $log_file"
    sleep 0.5
  done
  die "node $key did not start within ${NODE_START_S:-90} s; see $log_file"
}

node_stop() { # key
  local key=$1 pid=${NODE_PID[$1]:-} _
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      log "node $key did not stop within 60 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  # The embedded PostgreSQL runs detached from the JVM: if the node could not stop it, this does.
  local pg_pid
  pg_pid=$(node_pg_pid "$key")
  if [[ -n "$pg_pid" ]] && kill -0 "$pg_pid" 2>/dev/null; then
    log "stopping node $key's orphaned PostgreSQL (pid $pg_pid)"
    kill -TERM "$pg_pid" 2>/dev/null || true
    sleep 2
  fi
  NODE_PID[$key]=""
}

# In reverse start order: in a cluster the gateways go before the hub they lean on.
nodes_stop_all() {
  local i
  for ((i = ${#NODE_KEYS[@]} - 1; i >= 0; i--)); do node_stop "${NODE_KEYS[i]}"; done
}

# The node's embedded PostgreSQL postmaster, or nothing when it is not running.
node_pg_pid() { # key
  local file="${NODE_DATA[$1]:-/nonexistent}/postgres/postmaster.pid"
  [[ -f "$file" ]] && head -1 "$file"
  return 0
}

# Runs SQL on the node's embedded PostgreSQL (its port from the node's log, its password from the
# data dir) and prints the rows unaligned, fields separated by a space. Without sql it reads the
# statements from stdin, each in its own transaction (VACUUM, large seeds).
node_sql() { # key [sql]
  local key=$1 line port dir
  line=$(grep -m1 'embedded PostgreSQL started' "${NODE_LOG[$key]}") || die "node $key has no embedded PostgreSQL"
  port=$(sed -E 's/.*port: ([0-9]+)\].*/\1/' <<<"$line")
  dir=$(sed -E 's/.*data-dir: ([^,]+),.*/\1/' <<<"$line")
  if (($# > 1)); then set -- -c "$2"; else set --; fi
  PGPASSWORD="$(cat "$dir/drover-password")" PGCONNECT_TIMEOUT=10 \
    psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAtX -F' ' "$@"
}

# One of the node's operations endpoints (/metrics, /health), read as Prometheus does: with the
# metrics token the node made in its data dir.
node_operations() { # key path
  curl -s --max-time 5 -H "Authorization: Bearer $(cat "${NODE_DATA[$1]}/metrics-token")" "http://127.0.0.1:${NODE_HTTP[$1]}$2"
}

node_metrics() { node_operations "$1" /metrics; } # key

# The sum of every series of a metric whose labels contain label-text (all series without it), as a
# whole number. drover_devices_connected has a series per protocol, coap first: read one series alone
# and an MQTT count reads 0. awk reads to the end: stopping early would fail curl (exit 23).
node_metric_sum() { # key metric [label-text]
  node_metrics "$1" \
    | awk -v m="$2" -v l="${3:-}" '($1 == m || index($1, m "{") == 1) && index($1, l) > 0 { s += $2 } END { printf "%d\n", s }'
}

# A timer or summary between two /metrics snapshots (node_metrics saved to files): "count N mean_ms M
# p99_ms P over_100ms F", P being the upper bound of the bucket that holds the 99th percentile (the
# buckets are the meter's service-level objectives; "inf" past the last) and F the share of the
# recordings above 100 ms (from the 0.1 s bucket; NA when the meter has none). The sum is in seconds.
metric_histogram_delta() { # before-file after-file metric (without _seconds_bucket)
  awk -v m="$3" '
    function le(line) { sub(/.*le="/, "", line); sub(/".*/, "", line); return line }
    { v = $NF; k = $1 }
    index(k, m "_seconds_count") == 1 || index(k, m "_count") == 1 { c[FILENAME == ARGV[1]] += v; next }
    index(k, m "_seconds_sum") == 1 || index(k, m "_sum") == 1 { s[FILENAME == ARGV[1]] += v; next }
    index(k, m "_seconds_bucket{") == 1 || index(k, m "_bucket{") == 1 {
      b = le(k); if (FILENAME == ARGV[1]) before[b] += v; else after[b] += v; bounds[b] = 1 }
    END {
      n = c[0] - c[1]
      if (n <= 0) { print "count 0 mean_ms NA p99_ms NA over_100ms NA"; exit }
      nb = 0; for (b in bounds) if (b != "+Inf") ub[++nb] = b + 0
      for (i = 1; i <= nb; i++) for (j = i + 1; j <= nb; j++) if (ub[j] < ub[i]) { t = ub[i]; ub[i] = ub[j]; ub[j] = t }
      p99 = "inf"; over = "NA"
      for (i = 1; i <= nb; i++) {
        key = ""; for (b in bounds) if (b != "+Inf" && b + 0 == ub[i]) key = b
        d = after[key] - before[key]
        if (p99 == "inf" && d >= 0.99 * n) p99 = sprintf("%g", ub[i] * 1000)
        if (ub[i] == 0.1) over = sprintf("%.3f", 1 - d / n)
      }
      printf "count %d mean_ms %.1f p99_ms %s over_100ms %s\n", n, 1000 * (s[0] - s[1]) / n, p99, over
    }' "$1" "$2"
}

# Waits until the node has seen every disconnect (at most 60 s).
node_wait_idle() { # key
  local _
  for _ in $(seq 1 120); do
    [[ "$(node_metric_sum "$1" drover_devices_connected)" == 0 ]] && return 0
    sleep 0.5
  done
  log "WARNING: node $1 still reports $(node_metric_sum "$1" drover_devices_connected) devices connected"
}

# Registers count devices through the admin API; writes "id secret" lines to out-file, and fails
# unless every one was registered.
provision() { # key count out-file
  # shellcheck disable=SC2086
  java $SWARM_JAVA_OPTS -jar "$WORK/drover-swarm.jar" provision --port "${NODE_HTTP[$1]}" \
    --token-file "${NODE_DATA[$1]}/admin-token" --count "$2" --concurrency 64 --out "$3" \
    | tee -a "$OUT_DIR/provision.json" >&2
  (($(wc -l <"$3") == $2)) || die "only $(wc -l <"$3") of $2 devices registered on $1"
}

# A free TCP port on loopback below the ephemeral range (so no client socket of the swarms takes it),
# other than the ports given: those handed out before and not listened on yet.
free_port() { # [taken-port...]
  local port
  while true; do
    port=$((20000 + RANDOM % 12000))
    [[ " $* " != *" $port "* ]] || continue
    ss -Htan "sport = :$port" | grep -q . || { echo "$port"; return 0; }
  done
}

# ---------------------------------------------------------------------------------------------
# Mosquitto: no authentication, no persistence, on the first free port from MOSQUITTO_PORT_FIRST.

mosquitto_start() { # log-name
  local port=$MOSQUITTO_PORT_FIRST _
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
  for _ in $(seq 1 50); do
    ss -Htln "sport = :$MOSQ_PORT" | grep -q . && { log "mosquitto up [$1, pid $MOSQ_PID, port $MOSQ_PORT]"; return 0; }
    kill -0 "$MOSQ_PID" 2>/dev/null || die "mosquitto exited during start; see $OUT_DIR/mosquitto-$1.log"
    sleep 0.1
  done
  die "mosquitto did not listen within 5 s"
}

mosquitto_stop() {
  [[ -n "$MOSQ_PID" ]] || return 0
  kill -TERM "$MOSQ_PID" 2>/dev/null || true
  wait "$MOSQ_PID" 2>/dev/null || true
  MOSQ_PID=""
}

# ---------------------------------------------------------------------------------------------
# Swarms and other load-tool processes

# One swarm process, in the background; its JSON report goes to OUT_DIR/swarm-NAME.json. Its sockets
# close with a reset (no TIME_WAIT), so the ~28k ephemeral ports towards one server are never used up
# by earlier runs and never slow the next one.
swarm_launch() { # name port credentials-file offset count [extra swarm options...]
  local name=$1 port=$2 credentials=$3 offset=$4 count=$5
  shift 5
  # shellcheck disable=SC2086
  java $SWARM_JAVA_OPTS -jar "$WORK/drover-swarm.jar" swarm --host 127.0.0.1 --port "$port" \
    --credentials "$credentials" --offset "$offset" --count "$count" \
    "$@" >"$OUT_DIR/swarm-$name.json" 2>"$OUT_DIR/swarm-$name.log" &
  SWARM_PIDS+=($!)
}

# Waits for the swarms to end by themselves (each has a hold limit and a deadline).
swarms_wait() {
  local pid
  for pid in "${SWARM_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SWARM_PIDS=()
}

swarms_stop() {
  local pid
  for pid in "${SWARM_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  swarms_wait
}

# Waits for the swarms' ready files; fails if every swarm exits first, or after timeout-s.
swarms_wait_ready() { # timeout-s ready-file...
  local deadline=$((SECONDS + $1)) file pid alive
  shift
  for file in "$@"; do
    while [[ ! -f "$file" ]]; do
      ((SECONDS < deadline)) || die "swarm not connected within its time ($file)"
      alive=0
      for pid in "${SWARM_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      ((alive)) || die "every swarm exited before $file appeared; see $OUT_DIR/swarm-*.log"
      sleep 0.2
    done
  done
}

# Another background process of the run (an event listener, say), stopped with the rest on exit.
track_tool() { TOOL_PIDS+=("$1"); }

tools_stop() {
  local pid
  for pid in "${TOOL_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
  TOOL_PIDS=()
}

# ---------------------------------------------------------------------------------------------
# Measurements from /proc

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# jcmd GC.heap_info: G1's first line " garbage-first heap   total 262144K, used 45678K [...]"; the serial
# and parallel collectors give a line per generation (" def new generation   total ..., used ...K",
# " tenured generation ...", " PSYoungGen ...", " ParOldGen ..."), summed.
heap_used_kb() {
  jcmd "$1" GC.heap_info | awk '
    function used(   i, v) { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); return v } }
    /heap/ && /used/ && h == "" { h = used() }
    (/ generation / || /PSYoungGen/ || /ParOldGen/) && /used/ { g += used(); n++ }
    END { if (h != "") print h; else if (n) print g }'
}

# These read /proc with one cat and one awk each, so that a sample costs the measured machine next to
# nothing and takes milliseconds. In /proc/PID[/task/TID]/stat the comm (field 2) is in parentheses and
# may hold spaces, so a line is cut after its last ')': then $2 is the ppid, $12 utime, $13 stime,
# $14 cutime and $15 cstime, in clock ticks (CLK_TCK a second).

# CPU a process has used (all its threads, live and ended), in clock ticks.
cpu_ticks() { # pid
  cat "/proc/$1/stat" 2>/dev/null | awk '{ sub(/^.*\) /, ""); s = $12 + $13 } END { print s + 0 }'
}

# CPU of a PostgreSQL server in clock ticks: the postmaster, its live backends, and the backends that
# have ended (the postmaster's cutime and cstime). 0 when pid is empty.
pg_cpu_ticks() { # postmaster-pid
  [[ -n "$1" ]] || { echo 0; return 0; }
  # a process that ends between the glob and cat fails cat, and with pipefail the caller: that is not an error
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$1" '{ pid = $1; sub(/^.*\) /, "")
      if (pid == pm) s += $12 + $13 + $14 + $15; else if ($2 == pm) s += $12 + $13 } END { print s + 0 }'
}

# "tid<TAB>name<TAB>voluntary<TAB>nonvoluntary<TAB>user-ticks<TAB>kernel-ticks" for each thread of a process and, with a
# postmaster's pid as the second argument, one line "postgres" for it and its live backends together:
# the context switches (a voluntary one is a thread going to sleep, so about one wake-up each) and the
# CPU of each thread, for per-request counts around a request window.
thread_switches() { # pid [postmaster-pid]
  python3 - "$@" <<'PY' 2>/dev/null || true
import glob, os, sys
def read(task):
    try:
        status = open(task + "/status").read().splitlines()
        stat = open(task + "/stat").read()
    except OSError:
        return None
    f = {l.split(":", 1)[0]: l.split(":", 1)[1].strip() for l in status}
    rest = stat[stat.rindex(")") + 2:].split()
    return f["Name"].replace(" ", "_").replace("\t", "_"), int(f["voluntary_ctxt_switches"]), int(f["nonvoluntary_ctxt_switches"]), int(rest[11]), int(rest[12])
for task in glob.glob(f"/proc/{sys.argv[1]}/task/*"):
    t = read(task)
    if t:
        print(f"{os.path.basename(task)}\t{t[0]}\t{t[1]}\t{t[2]}\t{t[3]}\t{t[4]}")
if len(sys.argv) > 2 and sys.argv[2]:
    pm, v, n, u, k = sys.argv[2], 0, 0, 0, 0
    for proc in glob.glob("/proc/[0-9]*"):
        try:
            ppid = open(proc + "/stat").read().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if os.path.basename(proc) == pm or ppid == pm:
            t = read(proc)
            if t:
                v, n, u, k = v + t[1], n + t[2], u + t[3], k + t[4]
    print(f"0\tpostgres\t{v}\t{n}\t{u}\t{k}")
PY
}

# "tid ticks" for each Vert.x event-loop thread of a JVM. The kernel keeps 15 characters of a thread's
# name, so every "vert.x-eventloop-thread-N" reads "vert.x-eventloo"; event_loop_names tells them apart.
event_loop_ticks() { # pid
  { cat /proc/"$1"/task/*/stat 2>/dev/null || true; } | awk 'index($0, "(vert.x-eventloo") > 0 { tid = $1; sub(/^.*\) /, ""); print tid, $12 + $13 }'
}

# How often a JVM's Vert.x event loops went to sleep: their threads' voluntary context switches,
# summed. An event loop blocks (in epoll_wait) only when it has nothing to do, so each is a wake-up that
# someone paid for later: a socket's data, a timer, or another thread handing it a task (an eventfd
# write). For a process that is not a JVM (mosquitto), the voluntary switches of all its threads.
event_loop_sleeps() { # pid
  thread_switches "$1" | awk -F'\t' '
    { all += $3; if (index($2, "vert.x-eventloo") == 1) { jvm = 1; loops += $3 } }
    END { print (jvm ? loops : all) + 0 }'
}

# "tid name" for the JVM's Vert.x event-loop threads, from jcmd Thread.print (nid is the Linux tid in
# hex). Costs a thread dump: take it outside a measured window.
event_loop_names() { # pid
  local nid name
  jcmd "$1" Thread.print 2>/dev/null | awk '/^"vert\.x-eventloop-thread-[0-9]+"/ {
      name = $1; gsub(/"/, "", name)
      for (i = 1; i <= NF; i++) if ($i ~ /^nid=0x[0-9a-f]+$/) print substr($i, 7), name
    }' | while read -r nid name; do echo "$((16#$nid)) $name"; done
}

# Per event loop, the CPU ticks between two event_loop_ticks samples: "name ticks" lines, named by
# event_loop_names (a thread it does not know keeps its tid). A loop that did nothing shows 0.
event_loop_delta() { # before-file after-file names-file
  awk 'FILENAME == ARGV[1] { name[$1] = $2; next }
       FILENAME == ARGV[2] { before[$1] = $2; next }
       { n = ($1 in name) ? name[$1] : "tid-" $1; printf "%s %d\n", n, $2 - before[$1] }' "$3" "$1" "$2"
}

# ---------------------------------------------------------------------------------------------
# Arithmetic for summaries

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "NA"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rounded() { awk -v d="$1" -v x="$2" 'BEGIN { if (x == "NA" || x == "") print "NA"; else printf "%.*f\n", d, x }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || a == "" || b == "" || b == 0) print "NA"; else printf "%.2f\n", a / b }'; }
scaled() { awk -v f="$1" -v x="$2" 'BEGIN { if (x == "NA" || x == "") print "NA"; else printf "%.0f\n", f * x }'; } # factor x, rounded
mib() { awk -v k="$1" 'BEGIN { if (k == "NA" || k == "") print "NA"; else printf "%.1f\n", k / 1024 }'; }

# Event-loop shares from "name ticks" lines on stdin, summed per name: "name percent" lines sorted by
# name (the loop's share of all event-loop CPU), then "effective N": (sum)^2 / (sum of squares), how
# many equally busy loops would give the same spread (1.00: all the work on one loop).
event_loop_shares() {
  local lines
  lines=$(awk '{ t[$1] += $2 } END { for (n in t) print n, t[n] }')
  [[ -n "$lines" ]] || { echo "effective 0.00"; return 0; }
  awk 'NR == FNR { s += $2; next } { printf "%s %.1f\n", $1, (s > 0 ? 100 * $2 / s : 0) }' <(echo "$lines") <(echo "$lines") | sort -V
  awk '{ s += $2; q += $2 * $2 } END { printf "effective %.2f\n", (q > 0 ? s * s / q : 0) }' <<<"$lines"
}

# The node logs' lines at WARN or ERROR, counted, each after its node's log name, with IDs (12 or
# more hex digits) and numbers masked.
node_log_warnings() {
  local file
  for file in "$OUT_DIR"/node-*.log; do
    [[ -f "$file" ]] || continue
    grep -E '^[0-9:.]+ (WARN|ERROR) ' "$file" | cut -d' ' -f2- | cut -c1-160 \
      | sed -E 's/[0-9a-f]{12,}/ID/g; s/[0-9]+/N/g' | sed "s|^|$(basename "$file" .log): |" || true
  done | sort | uniq -c
}

# node_log_warnings as a section of a summary in Markdown.
node_log_warnings_section() {
  echo "Node log lines at WARN or ERROR during the run (IDs replaced by ID, other digits by N):"
  echo
  echo '```'
  node_log_warnings
  echo '```'
  echo
}

# Runs one of the in-process benches the build compiles (load-tests/src/main/java/io/drover/loadtests/bench)
# on the hub's classes: its summary to stdout and OUT_DIR/summary.json, its runs to OUT_DIR/runs.jsonl.
in_process_bench() { # class [bench arguments...]
  local class=$1
  shift
  mkdir -p "$OUT_DIR"
  mvn -B -q -o -f "$ROOT/pom.xml" -pl load-tests -am compile dependency:build-classpath \
    -Dmdep.outputFile="$OUT_DIR/classpath.txt" -Dmdep.includeScope=compile >&2 || die "build failed"
  java -Xmx3g -XX:+UseParallelGC -cp "$ROOT/load-tests/target/classes:$(cat "$OUT_DIR/classpath.txt")" \
    "io.drover.loadtests.bench.$class" "$@" 2>"$OUT_DIR/runs.jsonl" | tee "$OUT_DIR/summary.json"
  cat "$OUT_DIR/runs.jsonl" >&2
}

# event_loop_shares' output on one line: "#0 56.6, #1 22.6, ..." (the loops' numbers, their shares in %).
event_loop_share_list() {
  grep -v '^effective' | sed -E 's/^vert\.x-eventloop-thread-/#/' | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }'
}
