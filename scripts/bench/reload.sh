#!/usr/bin/env bash
# `make bench` part: `entrypoint --watch` reloading real servers, and what watching costs at rest.
#  1. update-to-served: nginx, httpd and HAProxy under a request stream, their config on a
#     kubelet-style volume (Tests/Kubelet/atomic_writer.py, kubelet's sequence); RELOAD_UPDATES good
#     updates each (default 20); the time from the `..data` rename to the first response showing the
#     new config, the server's own check and reload included (target: median <= 200 ms);
#  2. idle cost: the CPU time (user + system, /proc/PID/stat) a watching entrypoint uses over
#     RELOAD_IDLE_SECONDS (default 60) while nothing changes (target: ~0, no polling loop).
# Needs $DIST (the dist dir) and python3; a server that is not installed is reported as skipped.
set -euo pipefail
DIST="${DIST:?set DIST to the directory of the release binaries}"
BENCH_DIR="${BENCH_DIR:-$(mktemp -d)}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
work="$BENCH_DIR/reload"
rm -rf "$work" && mkdir -p "$work"
updates="$(python3 -c "print(','.join(['good'] * ${RELOAD_UPDATES:-20}))")"

# --- 1. update-to-served ------------------------------------------------------------------------
printf '%-44s %8s %8s %8s %9s %7s\n' "update-to-served (${RELOAD_UPDATES:-20} updates)" median p90 max requests failed
for server in nginx httpd httpd-prefork haproxy; do
    python3 "$ROOT/Tests/Kubelet/reload_under_load.py" --entrypoint "$DIST/entrypoint" \
        --server "$server" --updates "$updates" --pause 0.2 --max-seconds 120 > "$work/$server.json"
    python3 - "$work/$server.json" <<'PY'
import json, statistics, sys
report = json.load(open(sys.argv[1]))
name = f"{report['server']} (--watch, check, reload signal)"
if report.get("skipped"):
    print(f"{name:44} skipped: {report['skipped']}")
    sys.exit(0)
values = sorted(report["latencies_ms"])
if report.get("error") or not values:
    print(f"{name:44} error: {report.get('error')}")
    sys.exit(1)
p90 = values[min(len(values) - 1, int(round(0.9 * len(values))) - 1)]
print(f"{name:44} {statistics.median(values):6.0f}ms {p90:6.0f}ms {values[-1]:6.0f}ms "
      f"{report['requests']:9d} {report['failed']:7d}")
PY
done
echo "target: median <= 200 ms, 0 failed requests"

# --- 2. idle cost --------------------------------------------------------------------------------
seconds="${RELOAD_IDLE_SECONDS:-60}"
mkdir -p "$work/idle/templates" "$work/idle/out"
printf 'listen ${PORT:-8080}\n' > "$work/idle/templates/app.conf.template"
"$DIST/entrypoint" --quiet --watch --template "$work/idle/templates:$work/idle/out" \
    -- sleep $((seconds + 30)) &
pid=$!
sleep 1
read -r -a before < "/proc/$pid/stat"
wakes_before=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$pid/status")
sleep "$seconds"
read -r -a after < "/proc/$pid/stat"
wakes_after=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$pid/status")
kill -TERM "$pid"
wait "$pid" || true
ticks=$(getconf CLK_TCK)
# Fields 14 and 15 (utime, stime) are at indexes 13 and 14 (the command has no spaces here).
used=$(( (after[13] + after[14]) - (before[13] + before[14]) ))
printf '%-44s %s\n' "idle watching entrypoint, CPU over ${seconds}s" \
    "$(( used * 1000 / ticks )) ms (user+system; clock ticks of $(( 1000 / ticks )) ms), $(( wakes_after - wakes_before )) wake-ups"
