#!/usr/bin/env bash
# `make bench` part: requests lost during a stop under load, per server, the image's stop profile
# against plain exec + SIGTERM. The measurement is Tests/ServerTests/GracefulStopTests.swift (real
# nginx, httpd and HAProxy through $DIST/entrypoint, a 200 ms backend, the load of
# scripts/lib/stopload.py); this runs it and prints its counts as a table. Needs the servers
# (`scripts/install-deps.sh servers`), curl and python3.
set -euo pipefail
DIST="${DIST:?set DIST to the directory of the release binaries}"
BENCH_DIR="${BENCH_DIR:-$(mktemp -d)}"
cd "$(dirname "$0")/../.."
log="$BENCH_DIR/stop.log"
TOOLKIT_DIST="$DIST" swift test --filter GracefulStopTests >"$log" 2>&1 || {
    echo "stop bench: the GracefulStopTests run failed (see $log)" >&2
    grep -E '✘' "$log" | head -n 5 >&2
}
python3 - "$log" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    match = re.match(r"graceful stop, (\S+) (with its profile|plain exec \+ SIGTERM): (\d+) accepted, "
                     r"(\d+) lost \(.*?\), (\d+) refused", line)
    if match:
        server, mode, accepted, lost, refused = match.groups()
        rows.setdefault(server, {})["profile" if mode.startswith("with") else "plain"] = (
            int(accepted), int(lost), int(refused))
print(f"{'requests lost during stop':26} {'profile: lost/accepted':>24} {'plain: lost/accepted':>22} {'plain: refused':>15}")
for server, modes in rows.items():
    profile, plain = modes.get("profile", (0, -1, 0)), modes.get("plain", (0, -1, 0))
    print(f"{server:26} {profile[1]:>14} / {profile[0]:<7} {plain[1]:>12} / {plain[0]:<7} {plain[2]:>15}")
if not rows:
    sys.exit("stop bench: no counts in the test output")
PY
