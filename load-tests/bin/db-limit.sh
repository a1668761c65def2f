#!/usr/bin/env bash
# What the database itself takes on this machine: a bare client loop (drover-swarm.jar db-limit)
# committing batches of event rows into a node's own embedded PostgreSQL (its settings: fsync and
# synchronous_commit on with the default events.durability=durable; the events table with all its
# indexes), as fast as it can, over several connections. No MQTT, no hub: the limit Drover's write
# path is a fraction of.
#
#   load-tests/bin/db-limit.sh                                   # roughly 8 minutes
#   FORMS="insert copy" CONNECTIONS="1 4" BATCHES=500 DURATION_S=10 load-tests/bin/db-limit.sh
#   FORMS="insert insert-outbox" CONNECTIONS=1 BATCHES="100 500" load-tests/bin/db-limit.sh   # the cost of 5 webhooks an event
#
# Knobs: FORMS ("insert insert-touch copy": insert = the writer's INSERT ... unnest ON CONFLICT through
# vertx-pg-client, one commit per batch (the writer's form for a batch written again); insert-new = the same
# without ON CONFLICT (the writer's form for a new batch); insert-touch = the same plus main's last_heard UPDATE in the
# same transaction; insert-outbox = the writer's statement when every event triggers INTEGRATIONS (5)
# webhooks: their outbox rows in the same statement; copy = COPY ... FROM STDIN (FORMAT binary) through PgJDBC), CONNECTIONS ("1 2 4"),
# BATCHES ("100 500 2000": rows per commit), DURATION_S (10), WARMUP_S (20: one unrecorded run
# first), DEVICES (1000: device ids the rows cycle over), NODE_ARGS (extra node arguments, e.g.
# --events.durability=relaxed), DBLIMIT_JAVA_OPTS (-Xmx1g), SKIP_BUILD=1, OUT_DIR.
#
# Each run reports the loop's own CPU (the JVM's process CPU time, JIT and GC included) and reads
# PostgreSQL's (postmaster and backends) from /proc.
# Writes results.jsonl and summary.md into OUT_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FORMS="${FORMS:-insert insert-touch copy}"
CONNECTIONS="${CONNECTIONS:-1 2 4}"
BATCHES="${BATCHES:-100 500 2000}"
DURATION_S="${DURATION_S:-10}"
WARMUP_S="${WARMUP_S:-20}"
DEVICES="${DEVICES:-1000}"
INTEGRATIONS="${INTEGRATIONS:-5}"
NODE_ARGS="${NODE_ARGS:-}"
SKIP_BUILD="${SKIP_BUILD:-0}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/db-limit-$(date +%Y%m%d-%H%M%S)}"
# the loop gets the full JIT (the swarm's C1-only default would make the client, not the database, the limit)
DBLIMIT_JAVA_OPTS="${DBLIMIT_JAVA_OPTS:--Xmx1g}"

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

require_tools java jq psql
mkdir -p "$OUT_DIR"
[[ "$SKIP_BUILD" == 1 ]] || build_project
make_workdir db-limit
# shellcheck disable=SC2086
node_start db db "$WORK/data" $NODE_ARGS

line=$(grep -m1 'embedded PostgreSQL started' "${NODE_LOG[db]}")
PG_PORT=$(sed -E 's/.*port: ([0-9]+)\].*/\1/' <<<"$line")
PG_DIR=$(sed -E 's/.*data-dir: ([^,]+),.*/\1/' <<<"$line")
log "PostgreSQL [port $PG_PORT, fsync $(node_sql db 'SHOW fsync'), synchronous_commit $(node_sql db 'SHOW synchronous_commit')]"

# A fresh data dir makes its WAL segments as it goes: one unrecorded run first, so that the recorded
# ones reuse them (the first runs of a fresh node otherwise stall for a second now and then).
if ((WARMUP_S > 0)); then
  # shellcheck disable=SC2086
  java $DBLIMIT_JAVA_OPTS -jar "$WORK/drover-swarm.jar" db-limit --port "$PG_PORT" --password-file "$PG_DIR/drover-password" \
    --form insert --connections 4 --batch 500 --duration-s "$WARMUP_S" --devices "$DEVICES" >/dev/null 2>"$OUT_DIR/db-limit-warmup.log" \
    || die "the warm-up run failed; see $OUT_DIR/db-limit-warmup.log"
  node_sql db "TRUNCATE events, integration_outbox" >/dev/null
  node_sql db "CHECKPOINT" >/dev/null
fi

for form in $FORMS; do
  for c in $CONNECTIONS; do
    for b in $BATCHES; do
      pg_before=$(pg_cpu_ticks "$(node_pg_pid db)")
      # shellcheck disable=SC2086
      java $DBLIMIT_JAVA_OPTS -jar "$WORK/drover-swarm.jar" db-limit --port "$PG_PORT" --password-file "$PG_DIR/drover-password" \
        --form "$form" --connections "$c" --batch "$b" --duration-s "$DURATION_S" --devices "$DEVICES" --integrations "$INTEGRATIONS" \
        >"$WORK/one.json" 2>"$OUT_DIR/db-limit-$form-c$c-b$b.log" &
      tool=$!
      track_tool "$tool"
      wait "$tool" || die "db-limit $form c$c b$b failed; see $OUT_DIR/db-limit-$form-c$c-b$b.log"

      pg_after=$(pg_cpu_ticks "$(node_pg_pid db)")
      # the result is the line starting {"form" (a library may log to standard output too)
      grep '^{"form"' "$WORK/one.json" | tail -1 >"$WORK/result.json" || true
      row=$(jq -ec --argjson pg "$(( pg_after - pg_before ))" --argjson hz "$CLK_TCK" \
        '. + {cpuPostgresS: ($pg / $hz), postgresCpuMsPer1000Rows: (if .rows > 0 then 1e6 * ($pg / $hz) / .rows else null end)}' "$WORK/result.json") \
        || die "db-limit $form c$c b$b gave no result: $(cat "$WORK/one.json"); see $OUT_DIR/db-limit-$form-c$c-b$b.log"
      echo "$row" >>"$OUT_DIR/results.jsonl"
      log "db-limit: $row"
      node_sql db "TRUNCATE events, integration_outbox" >/dev/null
      node_sql db "CHECKPOINT" >/dev/null
    done
  done
done

{
  echo "# Database limit: bare loops of event rows ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  describe_run
  echo "Node's embedded PostgreSQL, fsync $(node_sql db 'SHOW fsync'), synchronous_commit $(node_sql db 'SHOW synchronous_commit'); $DURATION_S s per run; rows cycle over $DEVICES device ids, 100-byte data; the events table emptied (TRUNCATE, CHECKPOINT) between runs."
  echo
  echo "| form (integrations an event) | connections | rows per commit | rows/s | commits/s | commit p50 ms | commit p99 ms | PostgreSQL CPU ms per 1,000 rows | client CPU ms per 1,000 rows |"
  echo "|---|---|---|---|---|---|---|---|---|"
  jq -r '"| \(.form)\(if .integrations > 0 then " (\(.integrations))" else "" end) | \(.connections) | \(.batch) | \(.rowsPerSecond) | \(.commitsPerSecond) | \(.batchP50Ms) | \(.batchP99Ms) | \((.postgresCpuMsPer1000Rows * 10 | round) / 10) | \(.clientCpuMsPer1000Rows) |"' "$OUT_DIR/results.jsonl"
} >"$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
