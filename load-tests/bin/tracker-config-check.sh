#!/usr/bin/env bash
# Tracker settings checksum checks per second at the handshake with DEVICES devices in the hub's
# ConfigIndex, against a plain HashMap lookup in the same run, plus the cost of a fleet change
# (docs/benchmarks.md, "Tracker settings"). In process: no node, no network.
#   load-tests/bin/tracker-config-check.sh            # 1,000,000 devices, 5 counted runs
#   DEVICES=100000 RUNS=3 load-tests/bin/tracker-config-check.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEVICES="${DEVICES:-1000000}"
RUNS="${RUNS:-5}"
OUT_DIR="$ROOT/load-tests/target/tracker-config-check"
# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"
in_process_bench ConfigCheckBench "$DEVICES" "$RUNS"
