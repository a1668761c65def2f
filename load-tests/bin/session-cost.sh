#!/usr/bin/env bash
# What one MQTT session costs a Drover node, and how fast it accepts connects, against Mosquitto
# measured in the same run on the same machine; optionally two node variants side by side.
#
#   load-tests/bin/session-cost.sh                      # defaults below; ~10 minutes on 2 cores
#   SIZES="1000 5000" REPS=1 RATE_COUNT=2000 load-tests/bin/session-cost.sh   # a quick look
#   SIZES="19000" RATE_REPS=0 load-tests/bin/session-cost.sh                    # memory only, no connect rate
#   LABEL_A=single NODE_ARGS_A="--gateway.listener-instances=1" LABEL_B=multi NODE_ARGS_B="" \
#     load-tests/bin/session-cost.sh                    # two node variants and Mosquitto, ~16 minutes
#
# Knobs: SIZES (1000 5000 18000), REPS (3), RATE_COUNT (9000), RATE_REPS (5), RATE_IN_FLIGHT (100),
# WARMUP_RUNS (2), PER_SWARM (9000), SETTLE_S (3), SKIP_BUILD=1, NODE_JAVA_OPTS, SWARM_JAVA_OPTS,
# OUT_DIR; node variants: NODE_ARGS_A, LABEL_A (drover, or drover-a with two variants), and
# NODE_ARGS_B, LABEL_B (drover-b): setting NODE_ARGS_B, even to "", adds the second variant; a variant's
# own jar (NODE_JAR_A, NODE_JAR_B: before/after a change), JVM options (NODE_JAVA_OPTS_A, _B) and
# environment variables (NODE_ENV_A="MALLOC_ARENA_MAX=2", ...). With
# -XX:NativeMemoryTracking=summary in a node's JVM options, its VM.native_memory summary is saved beside
# the class histograms (idle and at the largest size, first ramp).
#
# In one run it:
#   1. builds the project (SKIP_BUILD=1 skips) and copies both jars into a temporary directory, so a
#      rebuild during the run does not change what is measured;
#   2. for each node variant, starts a node with a fresh data dir (and the variant's extra arguments)
#      on free loopback ports and registers max(SIZES) devices;
#   3. memory, REPS times for each server (a fresh node of each variant / a fresh mosquitto each time):
#      RSS idle, then with a cumulative ramp of SIZES connected devices; for a node also the heap used
#      after a forced full GC (jcmd GC.run). Swarm processes hold at most PER_SWARM connections each
#      (20k open files per process), and the ramp stays below the node's own open-files limit;
#   4. connect rate (RATE_REPS=0 skips it), RATE_REPS times, interleaved node variant(s) / Mosquitto
#      after WARMUP_RUNS unrecorded runs each (the node's JIT needs them): RATE_COUNT connects with
#      RATE_IN_FLIGHT CONNECTs in flight. With two variants their order swaps every run. Around each
#      recorded run it reads the CPU the server used (a node: its JVM and its PostgreSQL's processes)
#      and, for a node, each Vert.x event-loop thread's CPU (/proc/PID/task/TID/stat): the event-loop
#      spread; and how often the server's event loops went to sleep (voluntary context switches of the
#      event-loop threads, of all of Mosquitto's): the wake-ups a connect and its disconnect cost;
#   5. writes results.tsv, rates.jsonl, cpu.tsv, eventloops.tsv and summary.md into OUT_DIR, and stops
#      everything it started.
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

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

# ---------------------------------------------------------------------------------------------
# Measurements

is_node() { [[ "$1" != mosquitto ]]; }

# Appends one row to results.tsv: server rep devices rss_kb rss_after_gc_kb heap_used_kb fds
measure() { # server rep devices pid
  local server=$1 rep=$2 devices=$3 pid=$4 rss rss_gc=NA heap=NA
  sleep "$SETTLE_S"
  rss=$(rss_kb "$pid")
  if is_node "$server"; then
    jcmd "$pid" GC.run >/dev/null
    sleep 1
    rss_gc=$(rss_kb "$pid")
    heap=$(heap_used_kb "$pid")
    # What the heap holds, idle and at the largest size, once: where the per-session bytes go.
    if [[ "$rep" == 1 && ( "$devices" == 0 || "$devices" == "$MAX_SIZE" ) ]]; then
      jcmd "$pid" GC.class_histogram | head -80 >"$OUT_DIR/$server-class-histogram-$devices.txt"
      # where the RSS goes, by JVM category, when the node runs with -XX:NativeMemoryTracking=summary
      if [[ " ${VARIANT_JAVA_OPTS[$server]-$NODE_JAVA_OPTS} " == *NativeMemoryTracking* ]]; then
        jcmd "$pid" VM.native_memory summary >"$OUT_DIR/$server-native-memory-$devices.txt" 2>&1 || true
      fi
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$rep" "$devices" "$rss" "$rss_gc" "$heap" "$(fd_count "$pid")" >>"$OUT_DIR/results.tsv"
  log "measured [$server rep $rep, $devices devices]: RSS ${rss} kB, after GC ${rss_gc} kB, heap ${heap} kB"
}

# Connects SIZES cumulatively to one server, measuring after each step, then lets go.
ramp() { # server rep port pid credentials
  local server=$1 rep=$2 port=$3 pid=$4 credentials=$5 held=0 size swarm_index=0
  rm -f "$WORK/stop"
  for size in $SIZES; do
    local ready_files=() offset=$held remaining=$((size - held))
    while ((remaining > 0)); do
      local count=$((remaining < PER_SWARM ? remaining : PER_SWARM))
      local name="$server-r$rep-s$swarm_index"
      swarm_launch "$name" "$port" "$credentials" "$offset" "$count" \
        --in-flight 100 --hold-s 900 --deadline-s 1200 \
        --stop-file "$WORK/stop" --ready-file "$WORK/ready-$name"
      ready_files+=("$WORK/ready-$name")
      offset=$((offset + count)); remaining=$((remaining - count)); swarm_index=$((swarm_index + 1))
    done
    swarms_wait_ready 300 "${ready_files[@]}"
    local file connected=0
    for file in "${ready_files[@]}"; do connected=$((connected + $(jq .connected "$file"))); done
    ((connected == size - held)) || log "WARNING: $server step $size: only $connected of $((size - held)) new devices connected"
    held=$((held + connected))
    if is_node "$server"; then
      log "drover_devices_connected = $(node_metric_sum "$server" drover_devices_connected)"
    fi
    measure "$server" "$rep" "$held" "$pid"
  done
  touch "$WORK/stop"
  swarms_wait
}

# The server's CPU so far in clock ticks: "process postgres" (postgres 0 for mosquitto).
server_cpu() { # server
  if is_node "$1"; then
    echo "$(cpu_ticks "${NODE_PID[$1]}") $(pg_cpu_ticks "$(node_pg_pid "$1")")"
  else
    echo "$(cpu_ticks "$MOSQ_PID") 0"
  fi
}

server_pid() { # server
  if is_node "$1"; then echo "${NODE_PID[$1]}"; else echo "$MOSQ_PID"; fi
}

rate_run() { # server label
  local server=$1 run=$2 name="rate-$1-$2" port cpu_before cpu_after sleeps_before started
  if is_node "$server"; then port=${NODE_MQTT[$server]}; else port=$MOSQ_PORT; fi
  if [[ "$run" != warmup* ]]; then
    cpu_before=$(server_cpu "$server")
    sleeps_before=$(event_loop_sleeps "$(server_pid "$server")")
    if is_node "$server"; then event_loop_ticks "${NODE_PID[$server]}" >"$WORK/loops-before"; fi
  fi
  started=$(date +%s.%N)
  swarm_launch "$name" "$port" "$(credentials_of "$server")" 0 "$RATE_COUNT" \
    --in-flight "$RATE_IN_FLIGHT" --hold-s 0 --deadline-s 600
  swarms_wait
  if [[ "$run" != warmup* ]]; then
    cpu_after=$(server_cpu "$server")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$run" \
      "$(awk -v b="${cpu_before% *}" -v a="${cpu_after% *}" 'BEGIN { print a - b }')" \
      "$(awk -v b="${cpu_before#* }" -v a="${cpu_after#* }" 'BEGIN { print a - b }')" \
      "$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')" \
      "$(($(event_loop_sleeps "$(server_pid "$server")") - sleeps_before))" >>"$OUT_DIR/cpu.tsv"
    if is_node "$server"; then
      event_loop_ticks "${NODE_PID[$server]}" >"$WORK/loops-after"
      event_loop_names "${NODE_PID[$server]}" >"$WORK/loops-names"
      event_loop_delta "$WORK/loops-before" "$WORK/loops-after" "$WORK/loops-names" \
        | awk -v s="$server" -v r="$run" '{ printf "%s\t%s\t%s\t%s\n", s, r, $1, $2 }' >>"$OUT_DIR/eventloops.tsv"
    fi
    jq -c --arg server "$server" --arg run "$run" '{server: $server, run: $run} + .' "$OUT_DIR/swarm-$name.json" >>"$OUT_DIR/rates.jsonl"
  fi
  log "connect rate [$server $run]: $(jq -c '{connected, failed, connectsPerSecond, connectP50Ms, connectP99Ms}' "$OUT_DIR/swarm-$name.json")"
  if is_node "$server"; then node_wait_idle "$server"; fi
}

credentials_of() { # server: each node variant has devices of its own; mosquitto takes the first's
  if is_node "$1"; then echo "$WORK/devices-$1.txt"; else echo "$WORK/devices-${VARIANTS[0]}.txt"; fi
}

# ---------------------------------------------------------------------------------------------
# Summary

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

rate_runs() { # server: connects/s of each recorded run, rounded, in run order
  jq -r --arg s "$1" 'select(.server == $s) | .connectsPerSecond | round' "$OUT_DIR/rates.jsonl" | paste -sd' '
}

# Median over runs of (field of run i of server a) / (field of run i of server b).
per_run_ratio_median() { # a b field
  jq -rs --arg a "$1" --arg b "$2" --arg f "$3" '(map(select(.server == $a)) | map(.[$f])) as $x
      | (map(select(.server == $b)) | map(.[$f])) as $y
      | range(0; [$x, $y] | map(length) | min) | select($y[.] > 0) | $x[.] / $y[.]' "$OUT_DIR/rates.jsonl" | median
}

# Server CPU per connect over the recorded runs, in ms: "process postgres".
cpu_ms_per_connect() { # server
  awk -F'\t' -v s="$1" -v hz="$CLK_TCK" -v n="$RATE_COUNT" '$1 == s { p += $3; g += $4; runs++ }
    END { if (runs == 0) print "NA NA"; else printf "%.3f %.3f\n", 1000 * p / hz / (runs * n), 1000 * g / hz / (runs * n) }' "$OUT_DIR/cpu.tsv"
}

# Event-loop sleeps (wake-ups) per connect and its disconnect over the recorded runs: the median of
# the runs' (sleeps / connects); for mosquitto its threads' voluntary context switches.
sleeps_per_connect() { # server
  awk -F'\t' -v s="$1" -v n="$RATE_COUNT" '$1 == s && $6 != "" { printf "%.3f\n", $6 / n }' "$OUT_DIR/cpu.tsv" | median
}

# The connect-rate and event-loop sections of summary.md.
write_rate_sections() {
  local v servers=("${VARIANTS[@]}" mosquitto)
  echo "## Connect rate: $RATE_COUNT connects, $RATE_IN_FLIGHT in flight (medians of $RATE_REPS)"
  echo
  echo "| server | connects/s | CONNECT to CONNACK p50 ms | p99 ms | failed (total) | server CPU ms/connect (process + PostgreSQL) | event-loop sleeps per connect + disconnect |"
  echo "|---|---|---|---|---|---|---|"
  for v in "${servers[@]}"; do
    local cpu
    cpu=$(cpu_ms_per_connect "$v")
    echo "| $v | $(rounded 0 "$(rate_median "$v" connectsPerSecond)") | $(rounded 1 "$(rate_median "$v" connectP50Ms)") | $(rounded 1 "$(rate_median "$v" connectP99Ms)") | $(jq -s --arg s "$v" 'map(select(.server == $s) | .failed) | add' "$OUT_DIR/rates.jsonl") | ${cpu% *} + ${cpu#* } | $(rounded 2 "$(sleeps_per_connect "$v")") |"
  done
  echo
  echo "Event-loop sleeps: the voluntary context switches of the node's Vert.x event-loop threads (each a"
  echo "loop that ran out of work and had to be woken again), of all of Mosquitto's threads, over a run, per"
  echo "connect (each run connects and disconnects every device once); the median of the runs."
  echo
  for v in "${VARIANTS[@]}"; do
    echo "$v/Mosquitto connects/s: $(ratio "$(rate_median "$v" connectsPerSecond)" "$(rate_median mosquitto connectsPerSecond)")" \
      "(each run: $(rate_runs "$v") vs $(rate_runs mosquitto));" \
      "median of the per-run ratios (each $v run against the Mosquitto run of the same round):" \
      "$(rounded 2 "$(per_run_ratio_median "$v" mosquitto connectsPerSecond)")"
    echo
  done
  if ((${#VARIANTS[@]} == 2)); then
    local a=${VARIANTS[0]} b=${VARIANTS[1]}
    echo "**$b/$a connects/s: $(ratio "$(rate_median "$b" connectsPerSecond)" "$(rate_median "$a" connectsPerSecond)")**" \
      "(median of the per-run ratios: $(rounded 2 "$(per_run_ratio_median "$b" "$a" connectsPerSecond)"));" \
      "CONNACK p50 $b/$a: $(ratio "$(rate_median "$b" connectP50Ms)" "$(rate_median "$a" connectP50Ms)")," \
      "p99: $(ratio "$(rate_median "$b" connectP99Ms)" "$(rate_median "$a" connectP99Ms)")."
    echo
  fi
  echo "## Event-loop spread during the recorded connect-rate runs"
  echo
  echo "Each Vert.x event loop's share of all event-loop CPU (utime + stime of its thread, summed over"
  echo "the runs); \"effective loops\" = (sum)² / (sum of squares): 1.00 when one loop does all the work."
  echo
  echo "| node | event-loop CPU s | node CPU s | effective loops | shares (%) |"
  echo "|---|---|---|---|---|"
  for v in "${VARIANTS[@]}"; do
    local shares loops_s node_s
    shares=$(awk -F'\t' -v s="$v" '$1 == s { print $3, $4 }' "$OUT_DIR/eventloops.tsv" | event_loop_shares)
    loops_s=$(awk -F'\t' -v s="$v" -v hz="$CLK_TCK" '$1 == s { t += $4 } END { printf "%.2f", t / hz }' "$OUT_DIR/eventloops.tsv")
    node_s=$(awk -F'\t' -v s="$v" -v hz="$CLK_TCK" '$1 == s { t += $3 } END { printf "%.2f", t / hz }' "$OUT_DIR/cpu.tsv")
    echo "| $v | $loops_s | $node_s | $(awk '$1 == "effective" { print $2 }' <<<"$shares") | $(event_loop_share_list <<<"$shares") |"
  done
  echo
}

write_summary() {
  local s="$OUT_DIR/summary.md" n v
  {
    echo "# MQTT session cost and connect rate ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    describe_run
    echo "Medians of $REPS memory ramps and $RATE_REPS connect-rate runs."
    for v in "${VARIANTS[@]}"; do echo "Node variant $v: ${VARIANT_ARGS[$v]:-no extra arguments}."; done
    echo
    echo "## Memory held (MiB; medians)"
    echo
    local header="| devices held |" rule="|---|"
    for v in "${VARIANTS[@]}"; do header+=" $v RSS | $v RSS after full GC | $v heap after full GC |"; rule+="---|---|---|"; done
    echo "$header Mosquitto RSS |"
    echo "$rule---|"
    for n in 0 $SIZES; do
      local row="| $( ((n == 0)) && echo idle || echo "$n") |"
      for v in "${VARIANTS[@]}"; do
        row+=" $(mib "$(column_median "$v" "$n" 4)") | $(mib "$(column_median "$v" "$n" 5)") | $(mib "$(column_median "$v" "$n" 6)") |"
      done
      echo "$row $(mib "$(column_median mosquitto "$n" 4)") |"
    done
    echo
    echo "## Memory per connection (KiB; (held - idle) / N per ramp, then the median)"
    echo
    header="| devices held |"; rule="|---|"
    for v in "${VARIANTS[@]}"; do header+=" $v RSS/conn | $v RSS-after-GC/conn | $v heap/session |"; rule+="---|---|---|"; done
    header+=" Mosquitto RSS/conn |"; rule+="---|"
    for v in "${VARIANTS[@]}"; do header+=" RSS/conn $v/Mosquitto |"; rule+="---|"; done
    if ((${#VARIANTS[@]} == 2)); then header+=" heap/session ${VARIANTS[1]}/${VARIANTS[0]} | RSS/conn ${VARIANTS[1]}/${VARIANTS[0]} |"; rule+="---|---|"; fi
    echo "$header"
    echo "$rule"
    for n in $SIZES; do
      local row="| $n |" p_mosq
      declare -A p_rss=() p_heap=()
      p_mosq=$(per_device_median mosquitto "$n" 4)
      for v in "${VARIANTS[@]}"; do
        p_rss[$v]=$(per_device_median "$v" "$n" 4)
        p_heap[$v]=$(per_device_median "$v" "$n" 6)
        row+=" $(rounded 2 "${p_rss[$v]}") | $(rounded 2 "$(per_device_median "$v" "$n" 5)") | $(rounded 2 "${p_heap[$v]}") |"
      done
      row+=" $(rounded 2 "$p_mosq") |"
      for v in "${VARIANTS[@]}"; do row+=" $(ratio "${p_rss[$v]}" "$p_mosq") |"; done
      if ((${#VARIANTS[@]} == 2)); then
        row+=" $(ratio "${p_heap[${VARIANTS[1]}]}" "${p_heap[${VARIANTS[0]}]}") | $(ratio "${p_rss[${VARIANTS[1]}]}" "${p_rss[${VARIANTS[0]}]}") |"
      fi
      echo "$row"
    done
    echo
    if ((RATE_REPS > 0)); then
      write_rate_sections
    else
      echo "Connect rate: not measured (RATE_REPS=0)."
      echo
    fi
    node_log_warnings_section
    echo "Raw rows: results.tsv (server, rep, devices, rss_kb, rss_after_gc_kb, heap_used_kb, fds); rates.jsonl;"
    echo "cpu.tsv (server, run, process ticks, postgres ticks, wall s, event-loop sleeps; $CLK_TCK ticks/s); eventloops.tsv (node, run, thread, ticks)."
  } >"$s"
  cat "$s"
}

# ---------------------------------------------------------------------------------------------
# Run

require_tools java jcmd jq curl ss python3
require_mosquitto
read_variants
MAX_SIZE=$(tr ' ' '\n' <<<"$SIZES" | sort -n | tail -1)
((RATE_REPS == 0 || RATE_COUNT <= MAX_SIZE)) || die "RATE_COUNT ($RATE_COUNT) must not exceed the largest of SIZES ($MAX_SIZE)"
((RATE_COUNT <= 19000)) || die "RATE_COUNT ($RATE_COUNT) must stay below one process's 20,000 open files"
FD_LIMIT=$(ulimit -n)
((MAX_SIZE + 1000 <= FD_LIMIT)) || die "holding $MAX_SIZE connections needs more than the open-files limit of the server process ($FD_LIMIT); lower SIZES"

mkdir -p "$OUT_DIR"
: >"$OUT_DIR/results.tsv"
: >"$OUT_DIR/rates.jsonl"
: >"$OUT_DIR/cpu.tsv"
: >"$OUT_DIR/eventloops.tsv"
build_project
make_workdir session-cost
log "results go to $OUT_DIR"

for v in "${VARIANTS[@]}"; do
  # shellcheck disable=SC2086
  node_start "$v" "$v-provision" "$WORK/data-$v" ${VARIANT_ARGS[$v]}
  provision "$v" "$MAX_SIZE" "$WORK/devices-$v.txt"
  node_stop "$v"
done

for rep in $(seq 1 "$REPS"); do
  for v in "${VARIANTS[@]}"; do
    # shellcheck disable=SC2086
    node_start "$v" "$v-memory-$rep" "$WORK/data-$v" ${VARIANT_ARGS[$v]}
    sleep 2
    measure "$v" "$rep" 0 "${NODE_PID[$v]}"
    ramp "$v" "$rep" "${NODE_MQTT[$v]}" "${NODE_PID[$v]}" "$WORK/devices-$v.txt"
    node_stop "$v"
  done

  mosquitto_start "memory-$rep"
  measure mosquitto "$rep" 0 "$MOSQ_PID"
  ramp mosquitto "$rep" "$MOSQ_PORT" "$MOSQ_PID" "$(credentials_of mosquitto)"
  mosquitto_stop
done

if ((RATE_REPS > 0)); then
  for v in "${VARIANTS[@]}"; do
    # shellcheck disable=SC2086
    node_start "$v" "$v-rate" "$WORK/data-$v" ${VARIANT_ARGS[$v]}
  done
  mosquitto_start rate
  for run in $(seq 1 "$WARMUP_RUNS"); do
    for v in "${VARIANTS[@]}"; do rate_run "$v" "warmup$run"; done
    rate_run mosquitto "warmup$run"
  done
  for run in $(seq 1 "$RATE_REPS"); do
    order=("${VARIANTS[@]}")
    if ((${#VARIANTS[@]} == 2 && run % 2 == 0)); then order=("${VARIANTS[1]}" "${VARIANTS[0]}"); fi
    for v in "${order[@]}"; do rate_run "$v" "$run"; done
    rate_run mosquitto "$run"
  done
  for v in "${VARIANTS[@]}"; do
    node_metrics "$v" >"$OUT_DIR/$v-metrics-after-rate.txt" || true
  done
  mosquitto_stop
  nodes_stop_all
fi

write_summary
log "done; results in $OUT_DIR"
