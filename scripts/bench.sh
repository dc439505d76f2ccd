#!/usr/bin/env bash
# `make bench`: every benchmark in scripts/bench/, each side by side with its peer in one run.
# Results are printed as tables with the ratio against the peer; nothing here is a pass/fail test.
set -euo pipefail
cd "$(dirname "$0")/.."
export DIST="$PWD/dist"
export BENCH_DIR="${BENCH_DIR:-$PWD/.bench}"
mkdir -p "$BENCH_DIR"
status=0
for part in scripts/bench/*.sh; do
    [[ -e "$part" ]] || continue
    echo "== $(basename "$part" .sh)"
    bash "$part" || status=$?
done
exit "$status"
