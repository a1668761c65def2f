#!/usr/bin/env bash
# Targeting decisions per second with DEVICES devices in the index, against a plain HashMap lookup in
# the same run, and the time to compute a release's impact over the product (docs/benchmarks.md,
# "Firmware targeting"). In process: no node, no network; the index is the hub's own class.
#   load-tests/bin/firmware-targeting.sh            # 1,000,000 devices, 5 counted runs
#   DEVICES=100000 RUNS=3 load-tests/bin/firmware-targeting.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEVICES="${DEVICES:-1000000}"
RUNS="${RUNS:-5}"
OUT_DIR="$ROOT/load-tests/target/firmware-targeting"
# shellcheck source=load-tests/bin/lib.sh
source "$ROOT/load-tests/bin/lib.sh"
in_process_bench TargetingBench "$DEVICES" "$RUNS"
