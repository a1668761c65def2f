#!/usr/bin/env bash
# The product device list at 1,000,000 devices: page latency through the node's HTTP API for the first,
# a middle and the last page, keyset (cursor) pages at the end, name-prefix, serial and group searches
# and the sort by last_heard, each against the same request on a 10,000-device product of the same
# node in the same run (the baseline: the ratio says whether a page's cost grows with the product).
#
#   load-tests/bin/product-list.sh                          # defaults below; ~5 minutes on 2 cores
#   BIG=200000 REPS=11 load-tests/bin/product-list.sh       # a quicker look
#
# In one run it:
#   1. builds the jars (SKIP_BUILD=1 skips; `mvn package`, never install) and copies them away;
#   2. starts a node with a fresh data dir (embedded PostgreSQL) on free loopback ports, makes an
#      account, and seeds with psql: products bench-big (BIG devices) and bench-small (SMALL devices)
#      with generate_series, 10% of each in group "tenth" and 100 in group "few", then VACUUM ANALYZE;
#   3. for each query and each product: WARMUP unrecorded requests, then REPS timed ones with curl
#      (time_total: connect to last byte), alternating products so that both see the same machine;
#   4. reads pg_stat_user_tables around each query's timed requests: seq_scan on devices, device_connectivity and
#      device_group_members should not grow (every page ran on an index); the summary shows the count;
#   5. writes results.tsv and summary.md into OUT_DIR and stops the node (lib.sh's exit trap).
# Only loopback addresses are used; nothing is left running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIG="${BIG:-1000000}"
SMALL="${SMALL:-10000}"
REPS="${REPS:-21}"
WARMUP="${WARMUP:-5}"
PER_PAGE="${PER_PAGE:-25}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/product-list-$(date +%Y%m%d-%H%M%S)}"
SKIP_BUILD="${SKIP_BUILD:-0}"

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

require_tools java psql curl jq
mkdir -p "$OUT_DIR"
build_project
make_workdir product-list
node_start node node "$WORK/data"
API="http://127.0.0.1:${NODE_HTTP[node]}"
sql() { node_sql node "$@"; }

curl -fsS -H 'Content-Type: application/json' -d '{"username":"bench@example.com","password":"a benchmark password"}' "$API/v1/users" >/dev/null
TOKEN=$(curl -fsS -d grant_type=password -d username=bench@example.com -d 'password=a benchmark password' \
  -d client_id=particle-api -d client_secret=particle-api "$API/oauth/token" | jq -r .access_token)

seed() { # slug count
  local slug=$1 count=$2
  sql <<SQL
INSERT INTO products (slug, name, platform_id, owner_id) SELECT '$slug', '$slug', 12, id FROM users WHERE username = 'bench@example.com';
INSERT INTO product_members (product_id, user_id, role, is_owner)
  SELECT p.id, p.owner_id, 'administrator', true FROM products p WHERE p.slug = '$slug';
INSERT INTO devices (id, secret_hash, product_id, name, serial_number, firmware_version)
  SELECT lpad(to_hex(p.id::bigint * 100000000 + i), 24, '0'), '\\x00'::bytea, p.id,
         'dev-' || lpad(i::text, 7, '0'), 'SN' || lpad(i::text, 8, '0'), i % 10
  FROM products p, generate_series(1, $count) i WHERE p.slug = '$slug';
UPDATE device_connectivity c SET last_heard = now() - (hashint4(i)::bigint + 2147483648) * interval '1 millisecond', online = i % 7 = 0
  FROM products p, generate_series(1, $count) i
  WHERE p.slug = '$slug' AND c.device_id = lpad(to_hex(p.id::bigint * 100000000 + i), 24, '0');
INSERT INTO device_groups (product_id, name) SELECT id, 'tenth' FROM products WHERE slug = '$slug';
INSERT INTO device_groups (product_id, name) SELECT id, 'few' FROM products WHERE slug = '$slug';
INSERT INTO device_group_members (product_id, group_name, device_id)
  SELECT d.product_id, 'tenth', d.id FROM devices d JOIN products p ON p.id = d.product_id WHERE p.slug = '$slug' AND d.firmware_version = 3;
INSERT INTO device_group_members (product_id, group_name, device_id)
  SELECT d.product_id, 'few', d.id FROM devices d JOIN products p ON p.id = d.product_id
  WHERE p.slug = '$slug' AND d.name BETWEEN 'dev-0003000' AND 'dev-0003099';
SQL
}
started=$(date +%s)
log "seeding bench-small ($SMALL devices)"
seed bench-small "$SMALL"
log "seeding bench-big ($BIG devices)"
seed bench-big "$BIG"
sql "VACUUM ANALYZE devices"
sql "VACUUM ANALYZE device_connectivity"
sql "VACUUM ANALYZE device_group_members"
SEED_S=$(( $(date +%s) - started ))
log "seeded in ${SEED_S}s; counts kept by the triggers: $(sql "SELECT string_agg(p.slug || '=' || c.devices, ' ') FROM product_device_counts c JOIN products p ON p.id = c.product_id")"

get() { curl -fsS -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" "$API/v1/products/$1/devices?$2"; }
pages() { curl -fsS -H "Authorization: Bearer $TOKEN" "$API/v1/products/$1/devices?per_page=$PER_PAGE" | jq -r .meta.total_pages; }
cursor_near_end() { # slug: the cursor after the second-to-last page by ID
  local last; last=$(pages "$1")
  curl -fsS -H "Authorization: Bearer $TOKEN" "$API/v1/products/$1/devices?per_page=$PER_PAGE&page=$(( last - 2 ))" | jq -r .meta.next_cursor
}

declare -A QUERY
for slug in bench-small bench-big; do
  last=$(pages "$slug")
  QUERY["$slug first page by id"]="per_page=$PER_PAGE"
  QUERY["$slug middle page by id"]="per_page=$PER_PAGE&page=$(( (last + 1) / 2 ))"
  QUERY["$slug last page by id"]="per_page=$PER_PAGE&page=$last"
  QUERY["$slug last pages by cursor"]="per_page=$PER_PAGE&cursor=$(cursor_near_end "$slug")"
  QUERY["$slug name prefix"]="per_page=$PER_PAGE&deviceName=DEV-00050&sortAttr=name"
  QUERY["$slug serial"]="per_page=$PER_PAGE&serialNumber=SN00004321"
  QUERY["$slug group of 10%"]="per_page=$PER_PAGE&groups=tenth"
  QUERY["$slug group of 100"]="per_page=$PER_PAGE&groups=few"
  QUERY["$slug sort by last_heard"]="per_page=$PER_PAGE&sortAttr=last_heard&sortDir=desc"
  QUERY["$slug middle page by name"]="per_page=$PER_PAGE&sortAttr=name&page=$(( (last + 1) / 2 ))"
done
NAMES=("first page by id" "middle page by id" "last page by id" "last pages by cursor" "name prefix" "serial"
  "group of 10%" "group of 100" "sort by last_heard" "middle page by name")

scans() { sql "SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_user_tables WHERE relname IN ('devices', 'device_connectivity', 'device_group_members')"; }
log "warming up ($WARMUP requests per query)"
for name in "${NAMES[@]}"; do
  for slug in bench-small bench-big; do
    for _ in $(seq 1 "$WARMUP"); do get "$slug" "${QUERY[$slug $name]}" >/dev/null; done
  done
done
# PostgreSQL 15+ flushes an idle connection's table statistics within 10 s: wait that long around each query
STATS_WAIT_S="${STATS_WAIT_S:-11}"
sleep "$STATS_WAIT_S"
printf 'query\tproduct\trep\tseconds\n' >"$OUT_DIR/results.tsv"
printf 'query\tseq_scans\n' >"$OUT_DIR/seq-scans.tsv"
log "measuring ($REPS requests per query and product)"
for name in "${NAMES[@]}"; do
  before=$(scans)
  for rep in $(seq 1 "$REPS"); do
    for slug in bench-small bench-big; do
      printf '%s\t%s\t%d\t%s\n' "$name" "$slug" "$rep" "$(get "$slug" "${QUERY[$slug $name]}")" >>"$OUT_DIR/results.tsv"
    done
  done
  sleep "$STATS_WAIT_S"
  printf '%s\t%s\n' "$name" "$(( $(scans) - before ))" >>"$OUT_DIR/seq-scans.tsv"
done

{
  echo "# Product device list: $BIG devices against $SMALL in the same node (medians of $REPS, per_page=$PER_PAGE)"
  echo
  echo "Seeded in ${SEED_S}s. seq scans: sequential scans of devices or device_group_members during the query's timed requests."
  echo
  echo "| query | $SMALL: median ms | p90 ms | $BIG: median ms | p90 ms | ratio of medians | seq scans |"
  echo "|---|---|---|---|---|---|---|"
  for name in "${NAMES[@]}"; do
    awk -F'\t' -v q="$name" 'NR > 1 && $1 == q { if ($2 == "bench-small") s[++ns] = $4 * 1000; else b[++nb] = $4 * 1000 }
      function sort(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } }
      function pct(a, n, p) { return a[int((n - 1) * p) + 1] }
      END { sort(s, ns); sort(b, nb); printf "| %s | %.1f | %.1f | %.1f | %.1f | %.2f |", q, pct(s, ns, 0.5), pct(s, ns, 0.9), pct(b, nb, 0.5), pct(b, nb, 0.9), pct(b, nb, 0.5) / pct(s, ns, 0.5) }' \
      "$OUT_DIR/results.tsv"
    awk -F'\t' -v q="$name" '$1 == q { printf " %s |\n", $2 }' "$OUT_DIR/seq-scans.tsv"
  done
} >"$OUT_DIR/summary.md"
cat "$OUT_DIR/summary.md"
