#!/usr/bin/env bash
# The hostile-input suite (docs/operations.md, "Hostile input") with more cases than CI runs: generated
# MQTT packets over raw sockets, CoAP inside and outside DTLS, and HTTP requests against every route of
# a real node, each surface a property (a JUnit test drawing its cases from the project's generators,
# gateway/src/test/java/io/drover/gateway/hostile/gen); prints what each tried and what came of it.
#
#   load-tests/bin/fuzz.sh                           # defaults below; about an hour on 2 cores
#   TRIES=2000 MQTT_TRIES=300 load-tests/bin/fuzz.sh # a quick look, about 5 minutes
#
# Knobs: TRIES (20000: cases per property, CoAP and HTTP), MQTT_TRIES (3000: MQTT's cases wait for its
# connect timeout and keep-alive, about 0.3 s each), SEED (every property from this seed: a summary
# names each property's, to run it again), TESTS ('Hostile*Test': HostileMqttTest, HostileCoapTest,
# HostileHttpTest, comma-separated, for some surfaces only), OUT_DIR, MVN_ARGS (more Maven arguments:
# -o offline, say).
#
# It runs the properties of gateway/ (mqtt, coap-dtls, coap-raw) and hub/ (http) through Maven's test
# phase (the modules they need built from this checkout, nothing installed), copies each property's
# figures (target/hostile-input/*.txt) into OUT_DIR, and writes summary.md: per property the cases
# tried, crashes, hangs, the heap used after a full GC, the outcomes. Any crash or hang fails the run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TRIES="${TRIES:-20000}"
MQTT_TRIES="${MQTT_TRIES:-3000}"
SEED="${SEED:-random}"
TESTS="${TESTS:-Hostile*Test}"
MVN_ARGS="${MVN_ARGS:-}"
OUT_DIR="${OUT_DIR:-$ROOT/load-tests/target/fuzz-$(date +%Y%m%d-%H%M%S)}"

# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"

require_tools mvn java
mkdir -p "$OUT_DIR"
rm -rf "$ROOT/gateway/target/hostile-input" "$ROOT/hub/target/hostile-input"

seed_arg=()
[[ -n "$SEED" ]] && seed_arg=("-Dfuzz.seed=$SEED")
log "hostile input: $TRIES cases per property ($MQTT_TRIES for MQTT); Maven output in $OUT_DIR/maven.log"
status=0
# shellcheck disable=SC2086
(cd "$ROOT" && mvn -B -q $MVN_ARGS -pl hub -am test -Dtest="$TESTS" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfuzz.tries="$TRIES" -Dfuzz.tries.mqtt="$MQTT_TRIES" "${seed_arg[@]}") >"$OUT_DIR/maven.log" 2>&1 || status=$?

cp "$ROOT"/gateway/target/hostile-input/*.txt "$ROOT"/hub/target/hostile-input/*.txt "$OUT_DIR/" 2>/dev/null || true

# one figures line a property: surface=... property=... status=... cases=N crashes=N hangs=N heap_after_mib=X seconds=N ...
field() { # name line: the first "name=value" of the line
  grep -o " $1=[^ ]*" <<<" $2" | head -1 | cut -d= -f2-
}

{
  echo "# Hostile input: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  describe_run
  echo "Command: TRIES=$TRIES MQTT_TRIES=$MQTT_TRIES$([[ "$SEED" != random ]] && echo " SEED=$SEED")$([[ "$TESTS" != 'Hostile*Test' ]] && echo " TESTS=$TESTS") load-tests/bin/fuzz.sh"
  echo
  echo "| surface | property | cases | crashes | hangs | heap after (MiB) | seconds | status | seed |"
  echo "|---|---|---:|---:|---:|---:|---:|---|---|"
  for figures in "$OUT_DIR"/*.txt; do
    [[ -f "$figures" ]] || continue
    line=$(head -1 "$figures")
    echo "| $(field surface "$line") | $(field property "$line") | $(field cases "$line") | $(field crashes "$line") |" \
      "$(field hangs "$line") | $(field heap_after_mib "$line") | $(field seconds "$line") | $(field status "$line") | $(field seed "$line") |"
  done
  echo
  echo "Outcomes, ERROR lines excused (each with its reason at the property) and WARN lines, per property:"
  echo
  for figures in "$OUT_DIR"/*.txt; do
    [[ -f "$figures" ]] || continue
    line=$(head -1 "$figures")
    echo "- $(field surface "$line"): excused_errors=$(field excused_errors "$line") warnings=$(field warnings "$line")" \
      "outcomes=$(sed -n 's/.* outcomes=\({[^}]*}\).*/\1/p' <<<"$line")"
  done
} >"$OUT_DIR/summary.md"

cat "$OUT_DIR/summary.md"
if ((status != 0)); then
  log "the suite failed (Maven exit $status): the failing case, its seed and the flag that runs it alone (-Dfuzz.case=) are in $OUT_DIR/maven.log"
fi
exit "$status"
