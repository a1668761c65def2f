#!/usr/bin/env bash
# What a CoAP/DTLS device session costs a Drover node, how fast it shakes hands and how many
# confirmable POSTs it answers, against a bare Californium 3.14 DTLS PSK server (coap-baseline)
# measured in the same run by the same swarm on the same machine.
#
#   load-tests/bin/coap-cost.sh                                   # defaults below
#   SESSIONS=2000 REPS=1 WARMUP_RUNS=0 DURATION_S=5 load-tests/bin/coap-cost.sh   # a quick look
#   NODE_ARGS_A="--coap.executors=1" NODE_ARGS_B="--coap.executors=2" load-tests/bin/coap-cost.sh
#                                      # node variants (up to NODE_ARGS_D), each a node of its own,
#                                      # taking turns with the others and the baseline in every round
#   LABEL_A=before NODE_JAR_A=/tmp/before/drover.jar LABEL_B=after NODE_ARGS_B="" load-tests/bin/coap-cost.sh
#                                      # a change measured before and after in one run (lib.sh's
#                                      # read_variants: NODE_JAR_x, NODE_JAVA_OPTS_x, LABEL_x)
#
# In one run it:
#   1. builds the jars (SKIP_BUILD=1 skips) and copies them into a temporary directory;
#   2. starts a node with a fresh data dir on free loopback ports (one per variant: drover-a with
#      NODE_ARGS_A, drover-b with NODE_ARGS_B, ...; one node "drover" when only A is set), registers
#      SESSIONS devices in each through the admin API, and starts the baseline with the first node's keys;
#   3. sessions held, for each server in turn: heap after a forced full GC (jcmd GC.run, GC.heap_info)
#      and RSS idle, then with SESSIONS DTLS sessions held by swarm processes of at most PER_SWARM
#      devices each (one UDP socket per device: 20,000 open files per process);
#   4. requests, REPS times after WARMUP_RUNS unrecorded rounds, taking turns node(s) / Californium:
#      RATE_DEVICES devices shake hands, then send confirmable POST /e/bench for DURATION_S seconds,
#      once at FIXED_RATE requests/s offered and once as fast as answers come (each device one
#      request in flight);
#   5. writes results.jsonl, memory.tsv and summary.md into OUT_DIR and stops everything it started.
#
# Only loopback addresses are used; every swarm has a device count, a deadline and stops by itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SESSIONS="${SESSIONS:-10000}"
PER_SWARM="${PER_SWARM:-5000}"
HS_IN_FLIGHT="${HS_IN_FLIGHT:-64}"
RATE_DEVICES="${RATE_DEVICES:-1000}"
FIXED_RATE="${FIXED_RATE:-2000}"
DURATION_S="${DURATION_S:-10}"
REPS="${REPS:-3}"
WARMUP_RUNS="${WARMUP_RUNS:-1}"
SETTLE_S="${SETTLE_S:-3}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/coap-cost-$(date +%Y%m%d-%H%M%S)}"
SKIP_BUILD="${SKIP_BUILD:-0}"
HELD="${HELD:-1}" # 0 skips the sessions-held phase
BASELINE_JAVA_OPTS="${BASELINE_JAVA_OPTS:-}"
# C1 only and the serial collector, as for the MQTT swarm; small stacks for one receiver thread per device
SWARM_JAVA_OPTS="${SWARM_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss256k -Xmx2g}"

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

declare -A NODE_DEVICES=()
BASE_PID=""

start_baseline() {
  local _
  # shellcheck disable=SC2086
  java $BASELINE_JAVA_OPTS -jar "$WORK/drover-swarm.jar" coap-baseline --devices "${NODE_DEVICES[${NODES[0]}]}" \
    --count "$SESSIONS" --max-s 7200 >"$WORK/baseline.out" 2>"$OUT_DIR/baseline.log" &
  BASE_PID=$!
  track_tool "$BASE_PID"
  for _ in $(seq 1 120); do
    if grep -q '"port"' "$WORK/baseline.out"; then
      BASE_COAP_PORT=$(sed -E 's/.*"port":([0-9]+).*/\1/' "$WORK/baseline.out")
      log "baseline up [pid $BASE_PID, coaps $BASE_COAP_PORT]"
      return 0
    fi
    kill -0 "$BASE_PID" 2>/dev/null || die "baseline exited during start; see $OUT_DIR/baseline.log"
    sleep 0.5
  done
  die "baseline did not start within 60 s"
}

swarm() { # port devices-file out-json [coap-swarm options...]
  local port=$1 devices=$2 out=$3
  shift 3
  # shellcheck disable=SC2086
  java $SWARM_JAVA_OPTS -jar "$WORK/drover-swarm.jar" coap-swarm --port "$port" --devices "$devices" \
    --handshakes-in-flight "$HS_IN_FLIGHT" "$@" >"$out" 2>>"$OUT_DIR/swarm.log"
}

measure() { # server state pid
  jcmd "$3" GC.run >/dev/null
  sleep 1
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(heap_used_kb "$3")" "$(rss_kb "$3")" >>"$OUT_DIR/memory.tsv"
}

hold_sessions() { # server port pid devices-file
  local server=$1 port=$2 pid=$3 devices=$4 offset=0 n i=0 _ ready
  rm -f "$WORK/stop" "$WORK"/ready-*
  measure "$server" idle "$pid"
  while ((offset < SESSIONS)); do
    n=$((SESSIONS - offset < PER_SWARM ? SESSIONS - offset : PER_SWARM))
    swarm "$port" "$devices" "$WORK/held-$server-$i.json" --offset "$offset" --count "$n" \
      --ready-file "$WORK/ready-$i" --stop-file "$WORK/stop" --hold-s 900 &
    SWARM_PIDS+=($!)
    offset=$((offset + n)); i=$((i + 1))
  done
  for _ in $(seq 1 1800); do
    ready=$(find "$WORK" -maxdepth 1 -name 'ready-*' | wc -l)
    ((ready == i)) && break
    sleep 0.5
  done
  ((ready == i)) || die "$server: swarms not ready after 900 s"
  sleep "$SETTLE_S"
  measure "$server" held "$pid"
  touch "$WORK/stop"
  local pid
  for pid in "${SWARM_PIDS[@]}"; do wait "$pid" || log "$server: a swarm exited with status $?"; done
  SWARM_PIDS=()
  for ((j = 0; j < i; j++)); do
    sed "s/^/{\"phase\":\"held\",\"server\":\"$server\",\"swarm\":$j,\"result\":/; s/\$/}/" "$WORK/held-$server-$j.json" >>"$OUT_DIR/results.jsonl"
  done
  log "$server: $(cat "$WORK"/held-"$server"-*.json | grep -o '"sessions":[0-9]*' | paste -sd' ') held"
}

rate_run() { # server port devices-file mode(fixed|max) counted
  local server=$1 port=$2 devices=$3 mode=$4 counted=$5 rate=0
  [[ $mode == fixed ]] && rate=$FIXED_RATE
  swarm "$port" "$devices" "$WORK/run.json" --count "$RATE_DEVICES" --senders "$RATE_DEVICES" --rate "$rate" --duration-s "$DURATION_S"
  log "$server $mode: $(grep -o '"handshakes_per_s":[0-9.]*\|"requests_per_s":[0-9.]*\|"p99_ms":[0-9.]*\|"failed":[0-9]*' "$WORK/run.json" | paste -sd' ')"
  if ((counted)); then
    sed "s/^/{\"phase\":\"$mode\",\"server\":\"$server\",\"result\":/; s/\$/}/" "$WORK/run.json" >>"$OUT_DIR/results.jsonl"
  fi
}

# ---------------------------------------------------------------------------------------------

require_tools java jcmd python3
mkdir -p "$OUT_DIR"
read_variants
NODES=("${VARIANTS[@]}")
build_project
make_workdir coap-cost
{
  echo "commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo ' (with local changes)')"
  echo "started $(date -u +%FT%TZ); $(nproc) cores; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  java -version 2>&1 | head -1
  for name in "${NODES[@]}"; do echo "$name: ${VARIANT_ARGS[$name]:-default options}${VARIANT_JAR[$name]:+, jar $(basename "${VARIANT_JAR[$name]}")}"; done
} >"$OUT_DIR/machine.txt"
: >"$OUT_DIR/results.jsonl"
printf 'server\tstate\theap_used_kb\trss_kb\n' >"$OUT_DIR/memory.tsv"

for name in "${NODES[@]}"; do
  # shellcheck disable=SC2086
  node_start "$name" "$name" "$WORK/$name-data" ${VARIANT_ARGS[$name]}
  log "$name: registering $SESSIONS devices"
  NODE_DEVICES[$name]="$WORK/devices-$name.txt"
  provision "$name" "$SESSIONS" "${NODE_DEVICES[$name]}"
done
start_baseline

if [[ "$HELD" == 1 ]]; then
  for name in "${NODES[@]}"; do
    hold_sessions "$name" "${NODE_COAP[$name]}" "${NODE_PID[$name]}" "${NODE_DEVICES[$name]}"
  done
  hold_sessions californium "$BASE_COAP_PORT" "$BASE_PID" "${NODE_DEVICES[${NODES[0]}]}"
fi

for ((r = 1; r <= WARMUP_RUNS + REPS; r++)); do
  counted=$((r > WARMUP_RUNS))
  log "requests round $r of $((WARMUP_RUNS + REPS))$( ((counted)) || echo ' (warm-up)')"
  for mode in fixed max; do
    for name in "${NODES[@]}"; do
      rate_run "$name" "${NODE_COAP[$name]}" "${NODE_DEVICES[$name]}" "$mode" "$counted"
    done
    rate_run californium "$BASE_COAP_PORT" "${NODE_DEVICES[${NODES[0]}]}" "$mode" "$counted"
  done
done
echo "ended $(date -u +%FT%TZ); load average at end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT_DIR/machine.txt"

python3 - "$OUT_DIR" "$SESSIONS" "$FIXED_RATE" "$RATE_DEVICES" "${NODES[@]}" <<'PY' >"$OUT_DIR/summary.md"
import json, statistics, sys
out, sessions, fixed, devices, nodes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
rows = [json.loads(l) for l in open(out + "/results.jsonl") if l.strip()]
mem = {}
for line in open(out + "/memory.tsv").read().splitlines()[1:]:
    s, state, heap, rss = line.split("\t")
    mem[(s, state)] = (int(heap), int(rss))
def med(server, phase, key):
    v = [r["result"][key] for r in rows if r["server"] == server and r["phase"] in phase.split("+")]
    return statistics.median(v) if v else float("nan")
def ratio(a, b):
    return f"{a / b:.2f}" if b else "NA"
servers = nodes + ["californium"]
# each node against the baseline, and every further node against the first
pairs = [(n, "californium") for n in nodes] + [(n, nodes[0]) for n in nodes[1:]]
print(f"# CoAP/DTLS cost, {sessions} sessions\n")
print(open(out + "/machine.txt").read())
if mem:
    print("| server | sessions held | heap idle | heap held | heap per session | RSS idle | RSS held | RSS per session | handshakes/s (held, all swarms) |")
    print("|---|---|---|---|---|---|---|---|---|")
    per = {}
    for s in servers:
        held = [r["result"] for r in rows if r["server"] == s and r["phase"] == "held"]
        n = sum(h["sessions"] for h in held)
        hs = n / max(h["handshake_s"] for h in held) if held else 0
        hi, ri = mem[(s, "idle")]
        hh, rh = mem[(s, "held")]
        per[s] = ((hh - hi) / n, (rh - ri) / n, hs)
        print(f"| {s} | {n} | {hi/1024:.1f} MiB | {hh/1024:.1f} MiB | {per[s][0]:.2f} KiB | {ri/1024:.1f} MiB | {rh/1024:.1f} MiB | {per[s][1]:.2f} KiB | {hs:.0f} |")
    for a, b in pairs:
        print(f"| **{a}/{b}** | | | | **{ratio(per[a][0], per[b][0])}** | | | **{ratio(per[a][1], per[b][1])}** | **{ratio(per[a][2], per[b][2])}** |")
    print()
print(f"Requests: {devices} devices, medians of the counted rounds\n")
print("| server | handshakes/s (" + devices + " at a time) | CON/s at " + fixed + "/s offered | p50 | p99 | failed | CON/s at most | p50 | p99 | failed |")
print("|---|---|---|---|---|---|---|---|---|---|")
m = {}
for s in servers:
    m[s] = [med(s, "fixed+max", "handshakes_per_s"), med(s, "fixed", "requests_per_s"), med(s, "fixed", "p50_ms"), med(s, "fixed", "p99_ms"),
            med(s, "fixed", "failed"), med(s, "max", "requests_per_s"), med(s, "max", "p50_ms"), med(s, "max", "p99_ms"), med(s, "max", "failed")]
    v = m[s]
    print(f"| {s} | {v[0]:.0f} | {v[1]:.0f} | {v[2]:.1f} ms | {v[3]:.1f} ms | {v[4]:.0f} | {v[5]:.0f} | {v[6]:.1f} ms | {v[7]:.1f} ms | {v[8]:.0f} |")
for a, b in pairs:
    d, c = m[a], m[b]
    print(f"| **{a}/{b}** | **{ratio(d[0], c[0])}** | **{ratio(d[1], c[1])}** | | {ratio(d[3], c[3])} | | **{ratio(d[5], c[5])}** | | {ratio(d[7], c[7])} | |")
if len(nodes) > 1:
    # the same ratio per round, where the variants ran minutes apart at most
    print("\nPer round, CON/s at most against " + nodes[0] + ":")
    maxes = {s: [r["result"]["requests_per_s"] for r in rows if r["server"] == s and r["phase"] == "max"] for s in servers}
    for n in nodes[1:]:
        per_round = [ratio(x, y) for x, y in zip(maxes[n], maxes[nodes[0]])]
        print(f"- {n}/{nodes[0]}: {', '.join(per_round)}")
print("\nEach run:")
for r in rows:
    if r["phase"] != "held":
        x = r["result"]
        print(f"- {r['server']} {r['phase']}: {x['handshakes_per_s']} handshakes/s, {x['requests_per_s']} CON/s, p50 {x['p50_ms']} ms, p99 {x['p99_ms']} ms, failed {x['failed']}, other codes {x['other_codes']}, unanswered {x['unanswered']}, skipped {x['skipped_busy']}")
PY
cat "$OUT_DIR/summary.md"
log "results in $OUT_DIR"
