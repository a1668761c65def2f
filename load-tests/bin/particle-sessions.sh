#!/usr/bin/env bash
# What a Particle device's session (Device OS over DTLS, the Particle listener) costs a Drover node
# against one of Drover's own CoAP devices, in the same run on the same node: heap after a full GC and
# RSS per session held, and how fast N sessions come online.
#
#   flock /tmp/drover-bench.lock load-tests/bin/particle-sessions.sh          # defaults below
#   N=20 REPS=1 SKIP_BUILD=1 load-tests/bin/particle-sessions.sh               # a quick look
#
# The Particle devices are Particle's own virtual Device OS 6.2.0 device (../shared/tools/particle-vdev,
# or VDEV=path), one process each (5 MiB resident, about 1 % of a core once online): N is what the machine
# holds (150 by default; launched in waves of LAUNCH_WAVE, 25: 200 at once on 2 cores timed most handshakes
# out, and 250 held kept both cores busy with the devices alone). Drover's CoAP devices
# are the coap-swarm's (load-tests), as many, PSK over DTLS, each sending about two confirmable events (one
# a second) so that its session opens as a Particle device's Hello opens one: a handful of exchanges each,
# as a Particle device's Hello, time, describe and subscriptions are (Californium keeps every exchange
# for its deduplication lifetime, so a device sending as fast as answered would weigh its exchanges, not
# its session). Every round takes devices of its own (see DEVICES_TOTAL).
#
# In one run it:
#   1. builds the jars (SKIP_BUILD=1 skips), starts one node with a Particle listener on a loopback
#      address of its own, registers N Particle devices (keys made with openssl) and N CoAP devices;
#   2. WARMUP_RUNS uncounted rounds of WARMUP_N devices (50; class loading, JIT and the pools' first growth
#      would otherwise land in the first turn's figures), then REPS counted rounds, taking turns: Particle
#      then CoAP in odd rounds, CoAP then Particle in even ones. Each turn: the live heap (the class
#      histogram's total, at its full GC) and RSS with no session; then the N devices started (LAUNCH_WAVE at a time), the time until the
#      node counts N devices connected (drover_devices_connected, polled every 0.1 s) and the node's CPU (JVM +
#      PostgreSQL) meanwhile, per session; heap and RSS again with the N sessions held, just online and
#      again two exchange lifetimes later (EXCHANGE_LIFETIME_S, 10: the node's coap.exchange-lifetime-seconds;
#      Californium keeps each exchange that long for deduplication, and coming online is a dozen of them
#      for a Particle device); the devices stopped and the node idle again;
#   3. writes memory.tsv, results.tsv and summary.md (medians of the REPS, per session and the ratio)
#      into OUT_DIR and stops everything it started.
#
# The time to online includes starting the devices: N vdev processes, or one swarm JVM for the CoAP
# devices; it is a bound, not the handshake cost alone (summary.md says so).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${N:-150}"
REPS="${REPS:-3}"
WARMUP_RUNS="${WARMUP_RUNS:-1}"
LAUNCH_WAVE="${LAUNCH_WAVE:-25}"
WARMUP_N="${WARMUP_N:-$((N < 50 ? N : 50))}"
# every round has devices of its own: a device seen before leaves its DTLS connection in the listener's
# store (kept for resumption until the store is full, replaced at the device's next handshake), which
# would be in the round's idle figure already
FIRST_COUNTED=$((WARMUP_RUNS > 0 ? WARMUP_N : 0))
DEVICES_TOTAL=$((FIRST_COUNTED + REPS * N))
SETTLE_S="${SETTLE_S:-3}"
ONLINE_TIMEOUT_S="${ONLINE_TIMEOUT_S:-60}"
WAVE_TIMEOUT_S="${WAVE_TIMEOUT_S:-30}"
EXCHANGE_LIFETIME_S="${EXCHANGE_LIFETIME_S:-10}"
IDLE_TIMEOUT_S="${IDLE_TIMEOUT_S:-20}"
VDEV="${VDEV:-$ROOT/../shared/tools/particle-vdev/vdevtest}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/particle-sessions-$(date +%Y%m%d-%H%M%S)}"
SWARM_JAVA_OPTS="${SWARM_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss256k -Xmx1g}"

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

VDEV_PIDS=()
VDEV_IDS=()

vdevs_stop() {
  local pid
  for pid in "${VDEV_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${VDEV_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  VDEV_PIDS=()
  VDEV_IDS=()
}
trap 'status=$?; set +e; vdevs_stop; (exit "$status"); bench_cleanup' EXIT

# N device keys (SEC1 DER, as Device OS reads them), their IDs, and their registration with the node.
make_particle_devices() { # key
  local i id pub
  mkdir -p "$WORK/vdev"
  : >"$WORK/vdev/ids.txt"
  for i in $(seq 1 "$DEVICES_TOTAL"); do
    id=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    mkdir -p "$WORK/vdev/$id"
    openssl ecparam -name prime256v1 -genkey -noout -outform DER -out "$WORK/vdev/$id/device_key.der" 2>/dev/null
    pub=$(openssl ec -inform DER -in "$WORK/vdev/$id/device_key.der" -pubout -outform DER 2>/dev/null | base64 -w0)
    curl -sf --max-time 10 -H "Authorization: Bearer $(cat "${NODE_DATA[$1]}/admin-token")" -H 'Content-Type: application/json' \
      -d "{\"id\":\"$id\",\"public_key\":\"$pub\"}" "http://127.0.0.1:${NODE_HTTP[$1]}/v1/admin/devices" >/dev/null \
      || die "registering Particle device $id failed"
    echo "$id" >>"$WORK/vdev/ids.txt"
  done
  java -jar "$WORK/drover.jar" particle-server-key --address "$PARTICLE_HOST" --out "$WORK/vdev/server_key.der" \
    --data-dir="${NODE_DATA[$1]}" >/dev/null || die "particle-server-key failed"
}

connected() { node_metric_sum "$1" drover_devices_connected; } # key

# The devices whose process ended before it was stopped, with the end of its log, into vdev-exits.txt.
vdev_exits() { # rep
  local i gone=0
  for i in "${!VDEV_PIDS[@]}"; do
    kill -0 "${VDEV_PIDS[$i]}" 2>/dev/null && continue
    gone=$((gone + 1))
    { echo "== round $1, device ${VDEV_IDS[$i]}"; tail -5 "$WORK/vdev/${VDEV_IDS[$i]}/vdev.log"; } >>"$OUT_DIR/vdev-exits.txt"
  done
  ((gone == 0)) || log "round $1: $gone virtual devices ended by themselves (vdev-exits.txt)"
}

# The virtual devices' own resident memory, summed over their processes, in KiB: what bounds N.
vdev_rss_kb() {
  local pid total=0 kb
  for pid in "${VDEV_PIDS[@]}"; do
    kb=$(rss_kb "$pid" 2>/dev/null) || continue
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# Waits until the node counts want devices connected (those before the turn included); prints the
# seconds since start-ns, or NA.
wait_connected() { # key want start-ns [timeout-s]
  local deadline=$(($(date +%s) + ${4:-$ONLINE_TIMEOUT_S}))
  while (($(date +%s) < deadline)); do
    if (($(connected "$1") >= $2)); then
      awk -v a="$3" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
      return 0
    fi
    sleep 0.1
  done
  log "WARNING: only $(connected "$1") of $2 devices connected after ${4:-$ONLINE_TIMEOUT_S} s"
  echo NA
}

# The heap figure is the live bytes the class histogram counts at its own full GC (held against idle
# also says what a session is made of, by class). GC.heap_info's "used" read a moment after a GC would
# count what the connected devices' traffic allocated since: 150 virtual devices ticking and pinging
# add a few MB a second, which is 20 KiB or more a session.
measure() { # label state pid
  local histogram="$OUT_DIR/histogram-$1-$2.txt"
  jcmd "$3" GC.class_histogram >"$histogram"
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(awk '/^Total/ { printf "%d", $3 / 1024 }' "$histogram")" "$(rss_kb "$3")" >>"$OUT_DIR/memory.tsv"
}

# The node's CPU (its JVM and its PostgreSQL), in clock ticks.
node_ticks() { # key
  echo $(($(cpu_ticks "${NODE_PID[$1]}") + $(pg_cpu_ticks "$(node_pg_pid "$1")")))
}

# Writes a turn's line: kind, round, devices, seconds to online, the node's CPU ms per session brought
# online (from the launch until all are connected), and the devices' own CPU ms each (the vdev
# processes'; NA for the swarm, whose JVM also sends).
turn_result() { # kind rep count seconds node-ticks-before node-ticks-after device-ticks
  awk -v k="$1" -v r="$2" -v n="$3" -v s="$4" -v a="$5" -v b="$6" -v d="$7" -v hz="$HZ" 'BEGIN {
    printf "%s\t%s\t%s\t%s\t%.2f\t%s\n", k, r, n, s, (b - a) * 1000 / hz / n, d == "NA" ? "NA" : sprintf("%.1f", d * 1000 / hz / n) }' \
    >>"$OUT_DIR/results.tsv"
}

particle_turn() { # key rep count offset
  local key=$1 rep=$2 count=$3 offset=$4 start id seconds before ticks ticks_after device_ticks pid
  measure particle "idle-$rep" "${NODE_PID[$key]}"
  before=$(connected "$key")
  ticks=$(node_ticks "$key")
  start=$(date +%s%N)
  while read -r id; do
    (cd "$WORK/vdev/$id" && exec "$VDEV" --device_id "$id" --device_key device_key.der --server_key ../server_key.der -p udp -v 0 \
      >"$WORK/vdev/$id/vdev.log" 2>&1) &
    VDEV_PIDS+=($!)
    VDEV_IDS+=("$id")
    # a wave launched: wait for it before the next, so that no device's handshake times out on a
    # machine busy with the others' (Device OS gives up, falls back to Particle's host and crashes)
    if ((${#VDEV_PIDS[@]} % LAUNCH_WAVE == 0 && ${#VDEV_PIDS[@]} < count)); then
      wait_connected "$key" $((before + ${#VDEV_PIDS[@]})) "$start" "$WAVE_TIMEOUT_S" >/dev/null
    fi
  done < <(tail -n +"$((offset + 1))" "$WORK/vdev/ids.txt" | head -n "$count")
  seconds=$(wait_connected "$key" $((before + count)) "$start")
  ticks_after=$(node_ticks "$key")
  count=$(($(connected "$key") - before)) # what came online: a device whose handshake timed out is not held
  device_ticks=0
  for pid in "${VDEV_PIDS[@]}"; do device_ticks=$((device_ticks + $(cpu_ticks "$pid" || true))); done
  vdev_exits "$rep"
  sleep "$SETTLE_S"
  measure particle "held-$rep" "${NODE_PID[$key]}"
  # again once the exchanges of coming online have left Californium's deduplication store (kept between
  # one and two exchange lifetimes): what a session costs while it stays connected
  sleep $((2 * EXCHANGE_LIFETIME_S + 2))
  measure particle "steady-$rep" "${NODE_PID[$key]}"
  [[ $rep == warmup* ]] || vdev_rss_kb >>"$OUT_DIR/vdev-rss.tsv"
  turn_result particle "$rep" "$count" "$seconds" "$ticks" "$ticks_after" "$device_ticks"
  log "particle round $rep: $count online in $seconds s"
  vdevs_stop
  node_wait_idle "$key"
}

coap_turn() { # key rep count offset
  local key=$1 rep=$2 count=$3 offset=$4 start seconds pid before ticks ticks_after
  measure coap "idle-$rep" "${NODE_PID[$key]}"
  rm -f "$WORK/stop" "$WORK/ready"
  before=$(connected "$key")
  ticks=$(node_ticks "$key")
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  java $SWARM_JAVA_OPTS -jar "$WORK/drover-swarm.jar" coap-swarm --port "${NODE_COAP[$key]}" --devices "$WORK/coap-devices.txt" \
    --offset "$offset" --count "$count" --handshakes-in-flight "$LAUNCH_WAVE" --senders "$count" --rate "$count" --duration-s 2 --drain-s 2 \
    --ready-file "$WORK/ready" --stop-file "$WORK/stop" --hold-s 600 >"$WORK/coap-$rep.json" 2>>"$OUT_DIR/swarm.log" &
  pid=$!
  SWARM_PIDS+=("$pid")
  seconds=$(wait_connected "$key" $((before + count)) "$start")
  ticks_after=$(node_ticks "$key")
  count=$(($(connected "$key") - before))
  sleep "$SETTLE_S"
  measure coap "held-$rep" "${NODE_PID[$key]}"
  # again once the exchanges of coming online have left Californium's deduplication store (kept between
  # one and two exchange lifetimes): what a session costs while it stays connected
  sleep $((2 * EXCHANGE_LIFETIME_S + 2))
  measure coap "steady-$rep" "${NODE_PID[$key]}"
  turn_result coap "$rep" "$count" "$seconds" "$ticks" "$ticks_after" NA
  log "coap round $rep: $count online in $seconds s"
  touch "$WORK/stop"
  wait "$pid" || log "coap round $rep: the swarm exited with status $?"
  SWARM_PIDS=()
  node_wait_idle "$key"
}

# Median over the reps of (held - idle) / sessions held, in KiB, for a kind and a column (3 heap, 4 RSS).
per_session_kb() { # kind column [state: held or steady]
  local rep idle held n
  for rep in $(seq 1 "$REPS"); do
    idle=$(awk -F'\t' -v k="$1" -v s="idle-$rep" -v c="$2" '$1 == k && $2 == s { print $c }' "$OUT_DIR/memory.tsv")
    held=$(awk -F'\t' -v k="$1" -v s="${3:-held}-$rep" -v c="$2" '$1 == k && $2 == s { print $c }' "$OUT_DIR/memory.tsv")
    n=$(awk -F'\t' -v k="$1" -v r="$rep" '$1 == k && $2 == r { print $3 }' "$OUT_DIR/results.tsv")
    awk -v a="$idle" -v b="$held" -v n="$n" 'BEGIN { if (n > 0) printf "%.1f\n", (b - a) / n }'
  done | median
}

# Median over the counted rounds of a results.tsv column (5 node CPU ms a session, 6 device CPU ms).
turn_median() { # kind column
  awk -F'\t' -v k="$1" -v c="$2" '$1 == k && $2 !~ /^warmup/ && $c != "NA" { print $c }' "$OUT_DIR/results.tsv" | median
}

online_rate() { # kind
  awk -F'\t' -v k="$1" '$1 == k && $2 !~ /^warmup/ && $4 != "NA" { printf "%.2f\n", $3 / $4 }' "$OUT_DIR/results.tsv" | median
}

# ---------------------------------------------------------------------------------------------

require_tools java jcmd openssl curl
[[ -x "$VDEV" ]] || die "no Particle virtual device at $VDEV (set VDEV)"
mkdir -p "$OUT_DIR"
build_project
make_workdir particle-sessions
PARTICLE_HOST="127.$((100 + RANDOM % 100)).$((RANDOM % 256)).$((1 + RANDOM % 254))"
printf 'kind\tstate\theap_used_kb\trss_kb\n' >"$OUT_DIR/memory.tsv"
printf 'kind\trep\tdevices\tseconds_to_online\tnode_cpu_ms_per_session\tdevice_cpu_ms_per_session\n' >"$OUT_DIR/results.tsv"
HZ=$(getconf CLK_TCK)
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

# A device that stops without a goodbye (a killed vdev, a swarm gone) is offline after the idle timeout:
# short, so that each turn starts from no session. Held devices talk often enough (vdev/tick every 10 s;
# the swarm's are measured within seconds of coming online).
node_start drover drover "$WORK/drover-data" --particle.host="$PARTICLE_HOST" --coap.idle-timeout-seconds="$IDLE_TIMEOUT_S" \
  --coap.exchange-lifetime-seconds="$EXCHANGE_LIFETIME_S"
make_particle_devices drover
provision drover "$DEVICES_TOTAL" "$WORK/coap-devices.txt"

for rep in $(seq 1 "$WARMUP_RUNS"); do
  log "warm-up round $rep (not counted)"
  particle_turn drover "warmup$rep" "$WARMUP_N" 0
  coap_turn drover "warmup$rep" "$WARMUP_N" 0
done
: >"$OUT_DIR/vdev-rss.tsv"
for rep in $(seq 1 "$REPS"); do
  if ((rep % 2)); then
    particle_turn drover "$rep" "$N" $((FIRST_COUNTED + (rep - 1) * N))
    coap_turn drover "$rep" "$N" $((FIRST_COUNTED + (rep - 1) * N))
  else
    coap_turn drover "$rep" "$N" $((FIRST_COUNTED + (rep - 1) * N))
    particle_turn drover "$rep" "$N" $((FIRST_COUNTED + (rep - 1) * N))
  fi
done

P_HEAP=$(per_session_kb particle 3); C_HEAP=$(per_session_kb coap 3)
P_RSS=$(per_session_kb particle 4); C_RSS=$(per_session_kb coap 4)
P_HEAP_S=$(per_session_kb particle 3 steady); C_HEAP_S=$(per_session_kb coap 3 steady)
P_RSS_S=$(per_session_kb particle 4 steady); C_RSS_S=$(per_session_kb coap 4 steady)
P_RATE=$(online_rate particle); C_RATE=$(online_rate coap)
P_CPU=$(turn_median particle 5); C_CPU=$(turn_median coap 5); P_DEV_CPU=$(turn_median particle 6)
VDEV_MIB=$(median <"$OUT_DIR/vdev-rss.tsv" | awk -v n="$N" '{ printf "%.1f", $1 / n / 1024 }')
{
  echo "# Particle devices against Drover's CoAP devices, $N sessions each, median of $REPS"
  echo
  describe_run
  echo "Load average at the start: $LOAD_START."
  echo
  echo "| per session held | Particle (vdev) | Drover CoAP (swarm) | ratio Particle / CoAP |"
  echo "|---|---|---|---|"
  echo "| heap after full GC, just online, KiB | $P_HEAP | $C_HEAP | $(ratio "$P_HEAP" "$C_HEAP") |"
  echo "| heap after full GC, $((2 * EXCHANGE_LIFETIME_S + 2)) s later, KiB | $P_HEAP_S | $C_HEAP_S | $(ratio "$P_HEAP_S" "$C_HEAP_S") |"
  echo "| RSS, just online, KiB | $P_RSS | $C_RSS | $(ratio "$P_RSS" "$C_RSS") |"
  echo "| RSS, $((2 * EXCHANGE_LIFETIME_S + 2)) s later, KiB | $P_RSS_S | $C_RSS_S | $(ratio "$P_RSS_S" "$C_RSS_S") |"
  echo "| sessions online per second (from launch) | $P_RATE | $C_RATE | $(ratio "$P_RATE" "$C_RATE") |"
  echo "| node CPU (JVM + PostgreSQL) per session brought online, ms | $P_CPU | $C_CPU | $(ratio "$P_CPU" "$C_CPU") |"
  echo "| the device's own CPU to come online, ms | $P_DEV_CPU | (one swarm JVM) | |"
  echo
  echo "Online per second: N devices launched, $LAUNCH_WAVE at a time (a wave of virtual devices waits for"
  echo "the one before to be online; the swarm keeps $LAUNCH_WAVE handshakes in flight), until the node counts"
  echo "N connected; includes starting N vdev processes, or one swarm JVM, so it bounds the handshake rate"
  echo "from below."
  echo "Each virtual device process held $VDEV_MIB MiB resident (median of the rounds' sums / N)."
} >"$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
