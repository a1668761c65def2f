#!/usr/bin/env bash
# What a CoAP/DTLS device session costs a Drover node, how fast it shakes hands and how many
# confirmable POSTs it answers, against a bare Californium 3.14 DTLS PSK server (coap-baseline)
# measured in the same run by the same swarm on the same machine.
#
#   load-tests/bin/coap-cost.sh                                   # defaults below
#   SESSIONS=2000 REPS=1 WARMUP_RUNS=0 DURATION_S=5 load-tests/bin/coap-cost.sh   # a quick look
#   HELD=0 SESSIONS=1000 RATE_FRACTION=0.5 load-tests/bin/coap-cost.sh             # latency at half Californium's rate
#   FIXED_RATE=2000 load-tests/bin/coap-cost.sh                 # also at 2,000 requests/s offered, as before
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
#      as fast as answers come (each device one request in flight: "max"); then, at RATE_FRACTION
#      (0.8) of the rate Californium reached in that round's "max", offered on a fixed schedule to each
#      node and to Californium ("fraction": latencies from each request's scheduled time, so a request
#      that waits for its device's previous answer counts its wait); with FIXED_RATE > 0 also at that
#      fixed rate first ("fixed"). Around each node's "fraction" run its /metrics are read, for the
#      event write and commit latencies of that window (stages.tsv);
#   5. writes results.jsonl, memory.tsv, stages.tsv, threads.tsv (each thread's context switches and user
#      and kernel CPU over the "max" runs' request windows), each server's largest classes after the last run
#      (histogram-*.txt) and summary.md into OUT_DIR and stops everything it started.
#
# Only loopback addresses are used; every swarm has a device count, a deadline and stops by itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SESSIONS="${SESSIONS:-10000}"
PER_SWARM="${PER_SWARM:-5000}"
HS_IN_FLIGHT="${HS_IN_FLIGHT:-64}"
RATE_DEVICES="${RATE_DEVICES:-1000}"
FIXED_RATE="${FIXED_RATE:-0}"         # requests/s offered in the "fixed" runs; 0 skips them
RATE_FRACTION="${RATE_FRACTION:-0.8}"  # of Californium's maximum in the round, offered in the "fraction" runs; 0 skips them
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

rate_run() { # server port devices-file mode(fixed|max|fraction) counted [offered rate]
  local server=$1 port=$2 devices=$3 mode=$4 counted=$5 rate=${6:-0} node=""
  [[ -n "${NODE_PID[$server]:-}" ]] && node=$server
  [[ -z "$node" ]] || node_metrics "$node" >"$WORK/metrics-before.prom"
  rm -f "$WORK/window.start" "$WORK/window.end"
  swarm "$port" "$devices" "$WORK/run.json" --count "$RATE_DEVICES" --senders "$RATE_DEVICES" --rate "$rate" --duration-s "$DURATION_S" \
    --window-files "$WORK/window" &
  local swarm_pid=$! swarm_java="" cpu0 cpu1 t0 t1 s0 s1
  # the server's CPU over the request window only (handshakes and drain left out): the JVM and, for a
  # node, its PostgreSQL, sampled when the swarm marks the window's start and end; the swarm's JVM too
  # (the load generator shares the cores: its CPU per request is the rest of the budget)
  if wait_for_file "$WORK/window.start" "$swarm_pid"; then
    swarm_java=$(pgrep -P "$swarm_pid" -x java | head -1 || true)
    swarm_java=${swarm_java:-$swarm_pid}
    cpu0=$(server_cpu "$server"); s0=$(cpu_ticks "$swarm_java" || true); t0=$(date +%s%N)
    [[ $mode != max ]] || server_threads "$server" >"$WORK/threads.0"
  fi
  wait_for_file "$WORK/window.end" "$swarm_pid" && { cpu1=$(server_cpu "$server"); s1=$(cpu_ticks "$swarm_java" || true); t1=$(date +%s%N)
    [[ $mode != max ]] || server_threads "$server" >"$WORK/threads.1"; }
  wait "$swarm_pid"
  local cpu='{}'
  if [[ -n "${cpu0:-}" && -n "${cpu1:-}" ]]; then
    read -r j0 p0 <<<"$cpu0"
    read -r j1 p1 <<<"$cpu1"
    cpu=$(jq -nc --argjson jvm $((j1 - j0)) --argjson pg $((p1 - p0)) --argjson sw $((s1 - s0)) --argjson ns $((t1 - t0)) --argjson hz "$(getconf CLK_TCK)" \
      '{cpu_jvm_s: ($jvm / $hz), cpu_pg_s: ($pg / $hz), cpu_swarm_s: ($sw / $hz), cpu_window_s: ($ns / 1e9)}')
  fi
  jq -c --argjson cpu "$cpu" '. + $cpu | if .cpu_window_s then . + {cpu_ms_per_1000: (if .requests_per_s > 0 then
      (.cpu_jvm_s + .cpu_pg_s) * 1e6 / (.requests_per_s * .cpu_window_s) else null end)} else . end' "$WORK/run.json" >"$WORK/run.tmp" \
    && mv "$WORK/run.tmp" "$WORK/run.json"
  log "$server $mode${6:+ at $rate/s}: $(jq -c '{handshakes_per_s, requests_per_s, p50_ms, p99_ms, max_ms, failed, not_sent, cpu_jvm_s, cpu_pg_s, cpu_ms_per_1000, cpu_swarm_s}' "$WORK/run.json")"
  ((counted)) || return 0
  if [[ $mode == max && -s "$WORK/threads.0" && -s "$WORK/threads.1" ]]; then
    # each thread's context switches and CPU over the window, with the requests answered in it
    python3 - "$server" "$r" "$(jq '.requests_per_s * (.cpu_window_s // 0)' "$WORK/run.json")" "$WORK/threads.0" "$WORK/threads.1" <<'PY' >>"$OUT_DIR/threads.tsv"
import sys
server, rnd, requests = sys.argv[1], sys.argv[2], float(sys.argv[3])
def load(f):
    return {(l.split("\t")[0], l.split("\t")[1]): [int(x) for x in l.split("\t")[2:]] for l in open(f).read().splitlines() if l}
a, b = load(sys.argv[4]), load(sys.argv[5])
for key, end in sorted(b.items()):
    start = a.get(key, [0, 0, 0, 0])
    d = [e - s for e, s in zip(end, start)]
    if any(d):
        print(f"{server}\t{rnd}\t{key[0]}\t{key[1]}\t{d[0]}\t{d[1]}\t{d[2] + d[3]}\t{requests:.0f}\t{d[3]}")
PY
  fi
  jq -c --arg phase "$mode" --arg server "$server" --argjson round "$r" '{phase: $phase, server: $server, round: $round, result: .}' \
    "$WORK/run.json" >>"$OUT_DIR/results.jsonl"
  if [[ -n "$node" && "$mode" == fraction ]]; then
    # what the hub's event writer took of each request's time in this window
    node_metrics "$node" >"$WORK/metrics-after.prom"
    local meter
    for meter in drover_events_write_latency drover_events_commit_latency; do
      printf '%s\t%s\t%s\t%s\n' "$server" "$r" "$meter" "$(metric_histogram_delta "$WORK/metrics-before.prom" "$WORK/metrics-after.prom" "$meter")" \
        >>"$OUT_DIR/stages.tsv"
    done
  fi
}

# Waits for a file the swarm creates; fails when the swarm has exited without it.
wait_for_file() { # file swarm-pid
  while [[ ! -e "$1" ]]; do
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.02
  done
}

# "jvm-ticks pg-ticks" of a server: a node's JVM and its PostgreSQL, or the baseline's JVM and 0.
server_cpu() { # server
  if [[ -n "${NODE_PID[$1]:-}" ]]; then
    echo "$(cpu_ticks "${NODE_PID[$1]}") $(pg_cpu_ticks "$(node_pg_pid "$1")")"
  else
    echo "$(cpu_ticks "$BASE_PID") 0"
  fi
}

# Each thread's context switches and CPU (lib.sh's thread_switches): the JVM's and, for a node, its PostgreSQL's.
server_threads() { # server
  if [[ -n "${NODE_PID[$1]:-}" ]]; then
    thread_switches "${NODE_PID[$1]}" "$(node_pg_pid "$1")"
  else
    thread_switches "$BASE_PID"
  fi
}

# ---------------------------------------------------------------------------------------------

require_tools java jcmd python3 jq curl
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
printf 'server\tround\tmeter\tdelta\n' >"$OUT_DIR/stages.tsv"
printf 'server\tround\ttid\tthread\tvoluntary\tnonvoluntary\tticks\trequests\tkernel_ticks\n' >"$OUT_DIR/threads.tsv"

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
  modes=(max)
  [[ "$FIXED_RATE" == 0 ]] || modes=(fixed max)
  for mode in "${modes[@]}"; do
    rate=0
    [[ $mode == fixed ]] && rate=$FIXED_RATE
    for name in "${NODES[@]}"; do
      rate_run "$name" "${NODE_COAP[$name]}" "${NODE_DEVICES[$name]}" "$mode" "$counted" "$rate"
    done
    rate_run californium "$BASE_COAP_PORT" "${NODE_DEVICES[${NODES[0]}]}" "$mode" "$counted" "$rate"
  done
  if [[ "$RATE_FRACTION" != 0 ]]; then
    # Californium's maximum of this round ($WORK/run.json is its "max" run, the last above)
    rate=$(scaled "$RATE_FRACTION" "$(jq .requests_per_s "$WORK/run.json")")
    ((rate > 0)) || die "Californium answered nothing in round $r's max run"
    for name in "${NODES[@]}"; do
      rate_run "$name" "${NODE_COAP[$name]}" "${NODE_DEVICES[$name]}" fraction "$counted" "$rate"
    done
    rate_run californium "$BASE_COAP_PORT" "${NODE_DEVICES[${NODES[0]}]}" fraction "$counted" "$rate"
  fi
done
# what each server holds right after its last run (Californium keeps every exchange for its
# deduplication for one to two exchange lifetimes): the largest classes of the live heap
for name in "${NODES[@]}" californium; do
  pid=$BASE_PID
  [[ $name == californium ]] || pid=${NODE_PID[$name]}
  jcmd "$pid" GC.class_histogram 2>/dev/null | head -30 >"$OUT_DIR/histogram-$name.txt" || true
done
echo "ended $(date -u +%FT%TZ); load average at end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT_DIR/machine.txt"

python3 - "$OUT_DIR" "$SESSIONS" "$FIXED_RATE" "$RATE_DEVICES" "$RATE_FRACTION" "${NODES[@]}" <<'PY' >"$OUT_DIR/summary.md"
import json, statistics, sys
out, sessions, fixed, devices, fraction, nodes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6:]
rows = [json.loads(l) for l in open(out + "/results.jsonl") if l.strip()]
mem = {}
for line in open(out + "/memory.tsv").read().splitlines()[1:]:
    s, state, heap, rss = line.split("\t")
    mem[(s, state)] = (int(heap), int(rss))
def runs(server, phase):
    return [r["result"] for r in rows if r["server"] == server and r["phase"] in phase.split("+")]
def med(server, phase, key):
    v = [x[key] for x in runs(server, phase)]
    return statistics.median(v) if v else float("nan")
def ratio(a, b):
    return f"{a / b:.2f}" if b and a == a and b == b else "NA"
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
print(f"Requests: {devices} devices, medians of the counted rounds; CON/s are the 2.04s received within the window, over its length\n")
phases = [p for p in ("fixed", "max") if any(r["phase"] == p for r in rows)]
head = "| server | handshakes/s (" + devices + " at a time) |"
for p in phases:
    head += (" CON/s at " + fixed + "/s offered |" if p == "fixed" else " CON/s at most |") + " p50 | p99 | failed |"
print(head)
print("|" + "---|" * (2 + 4 * len(phases)))
m = {}
for s in servers:
    m[s] = {"hs": med(s, "fixed+max+fraction", "handshakes_per_s")}
    line = f"| {s} | {m[s]['hs']:.0f} |"
    for p in phases:
        m[s][p] = [med(s, p, k) for k in ("requests_per_s", "p50_ms", "p99_ms", "failed")]
        v = m[s][p]
        line += f" {v[0]:.0f} | {v[1]:.1f} ms | {v[2]:.1f} ms | {v[3]:.0f} |"
    print(line)
for a, b in pairs:
    line = f"| **{a}/{b}** | **{ratio(m[a]['hs'], m[b]['hs'])}** |"
    for p in phases:
        line += f" **{ratio(m[a][p][0], m[b][p][0])}** | | {ratio(m[a][p][2], m[b][p][2])} | |"
    print(line)
cpu_runs = {s: [x for x in runs(s, "max") if x.get("cpu_ms_per_1000") is not None] for s in servers}
if any(cpu_runs.values()):
    print("\nServer CPU in the \"max\" runs' request window (handshakes and drain left out; a node's JVM and its PostgreSQL,"
          " Californium's JVM), medians of the counted rounds:\n")
    print("| server | CPU ms per 1,000 CON | of which PostgreSQL | cores busy (JVM + PostgreSQL) | the swarm's CPU ms per 1,000 CON |")
    print("|---|---|---|---|---|")
    cpu = {}
    for s in servers:
        v = cpu_runs[s]
        if not v:
            continue
        per = statistics.median(x["cpu_ms_per_1000"] for x in v)
        pg = statistics.median(x["cpu_pg_s"] * 1e6 / (x["requests_per_s"] * x["cpu_window_s"]) for x in v if x["requests_per_s"] > 0)
        busy = statistics.median((x["cpu_jvm_s"] + x["cpu_pg_s"]) / x["cpu_window_s"] for x in v)
        sw = [x["cpu_swarm_s"] * 1e6 / (x["requests_per_s"] * x["cpu_window_s"]) for x in v if x.get("cpu_swarm_s") is not None and x["requests_per_s"] > 0]
        cpu[s] = per
        print(f"| {s} | {per:.1f} | {pg:.1f} | {busy:.2f} | {statistics.median(sw):.1f} |" if sw else f"| {s} | {per:.1f} | {pg:.1f} | {busy:.2f} | |")
    for a, b in pairs:
        if a in cpu and b in cpu:
            print(f"| **{a}/{b}** | **{ratio(cpu[a], cpu[b])}** | | | |")
    if len(nodes) > 1:
        print("\nPer round, CPU ms per 1,000 CON: " + "; ".join(
            f"{s} " + ", ".join(f"{x['cpu_ms_per_1000']:.1f}" for x in cpu_runs[s]) for s in servers))
threads = [l.split("\t") for l in open(out + "/threads.tsv").read().splitlines()[1:]]
if threads:
    import re
    # per request, by thread name without its number (the kernel keeps 15 characters of a name); a
    # voluntary switch is a thread going to sleep, so each is about one wake-up later
    print("\nContext switches per CON in the \"max\" runs' request window, by thread (voluntary + involuntary;"
          " CPU ms per 1,000 CON), medians of the counted rounds:\n")
    print("| server | thread | threads | voluntary per CON | involuntary per CON | CPU ms per 1,000 CON | of which in the kernel |")
    print("|---|---|---|---|---|---|---|")
    for s in servers:
        mine = [t for t in threads if t[0] == s]
        rounds = sorted({t[1] for t in mine})
        groups = {}
        for t in mine:
            g = "postgres" if t[3] == "postgres" else re.sub(r"[-#_ ]*[0-9]+$", "", t[3])
            groups.setdefault(g, {}).setdefault(t[1], [set(), 0, 0, 0, float(t[7]), 0])
            e = groups[g][t[1]]
            e[0].add(t[2]); e[1] += int(t[4]); e[2] += int(t[5]); e[3] += int(t[6]); e[5] += int(t[8]) if len(t) > 8 else 0
        hz = __import__("os").sysconf("SC_CLK_TCK")
        def per(g, i):
            return statistics.median(e[i] / e[4] if i < 3 else e[i] * 1e6 / hz / e[4] for e in groups[g].values() if e[4] > 0)
        total = {rd: [0, 0, 0, 0.0, 0] for rd in rounds}
        for g, byround in groups.items():
            if g == "postgres":
                continue
            for rd, e in byround.items():
                total[rd][0] += e[1]; total[rd][1] += e[2]; total[rd][2] += e[3]; total[rd][3] = e[4]; total[rd][4] += e[5]
        ordered = sorted(groups, key=lambda g: -per(g, 1) - per(g, 2))
        for g in ordered:
            if per(g, 1) + per(g, 2) >= 0.01 or per(g, 3) >= 1 or g == "postgres":
                kernel = statistics.median(e[5] / e[3] for e in groups[g].values() if e[3] > 0) if any(e[3] for e in groups[g].values()) else 0
                print(f"| {s} | {g} | {statistics.median(len(e[0]) for e in groups[g].values()):.0f} | {per(g, 1):.2f} | {per(g, 2):.2f} | {per(g, 3):.1f} | {kernel:.0%} |")
        t = [v for v in total.values() if v[3] > 0]
        if t:
            print(f"| **{s}** | **the JVM** | | **{statistics.median(v[0] / v[3] for v in t):.2f}** | **{statistics.median(v[1] / v[3] for v in t):.2f}** |"
                  f" **{statistics.median(v[2] * 1e6 / hz / v[3] for v in t):.1f}** | {statistics.median(v[4] / v[2] for v in t if v[2] > 0):.0%} |")
if len(nodes) > 1:
    # the same ratio per round, where the variants ran minutes apart at most
    print("\nPer round, CON/s at most against " + nodes[0] + ":")
    maxes = {s: [x["requests_per_s"] for x in runs(s, "max")] for s in servers}
    for n in nodes[1:]:
        print(f"- {n}/{nodes[0]}: {', '.join(ratio(x, y) for x, y in zip(maxes[n], maxes[nodes[0]]))}")
if any(r["phase"] == "fraction" for r in rows):
    print(f"\nLatency at {fraction:g} of Californium's maximum of the same round, offered on a fixed schedule for the window;"
          " latencies from each request's scheduled time (a request waiting behind its device's previous one counts its wait);"
          " medians of the counted rounds:\n")
    print("| server | offered/s | CON/s | p50 | p90 | p99 | max | p99 of the round trip alone | not answered in the drain | p99 / Californium's |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    f = {s: {k: med(s, "fraction", k) for k in ("offered_rate", "requests_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "service_p99_ms")} for s in servers}
    for s in servers:
        x = f[s]
        lost = sum(r["unanswered"] + r["not_sent"] + r["failed"] for r in runs(s, "fraction"))
        print(f"| {s} | {x['offered_rate']:.0f} | {x['requests_per_s']:.0f} | {x['p50_ms']:.1f} ms | {x['p90_ms']:.1f} ms | **{x['p99_ms']:.1f} ms** | {x['max_ms']:.0f} ms"
              f" | {x['service_p99_ms']:.1f} ms | {lost} (all rounds) | {ratio(x['p99_ms'], f['californium']['p99_ms'])} |")
    print("\nPer round, p99 in ms (offered/s):")
    for s in servers:
        print(f"- {s}: " + ", ".join(f"{x['p99_ms']:.1f} ({x['offered_rate']:.0f})" for x in runs(s, "fraction")))
    stages = [l.split("\t") for l in open(out + "/stages.tsv").read().splitlines()[1:]]
    if stages:
        print("\nThe hub's event writer in the nodes' fraction runs (from /metrics before and after each run; p99 is a bucket's upper bound):\n")
        for server, rnd, meter, delta in stages:
            print(f"- {server} round {rnd}, {meter}: {delta}")
print("\nEach run:")
for r in rows:
    if r["phase"] != "held":
        x = r["result"]
        print(f"- round {r.get('round', '?')} {r['server']} {r['phase']}: {x['handshakes_per_s']} handshakes/s, offered {x['offered_rate']}/s, {x['requests_per_s']} CON/s,"
              f" p50 {x['p50_ms']} ms, p90 {x['p90_ms']} ms, p99 {x['p99_ms']} ms, max {x['max_ms']} ms, round trip p99 {x['service_p99_ms']} ms,"
              f" failed {x['failed']}, other codes {x['other_codes']}, unanswered {x['unanswered']}, queued behind {x['queued_behind']}, not sent {x['not_sent']}")
PY
cat "$OUT_DIR/summary.md"
log "results in $OUT_DIR"
