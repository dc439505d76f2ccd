#!/usr/bin/env bash
# Detection latency of `wait-for` side by side with Debian's `wait-for-it`, in one run.
#
# Each round starts the waiter on a free loopback port where nothing listens, opens a listener at a
# random moment 0.2-2 s later, and measures the time from listen() to the start of the follow-up
# command (which writes the clock). Rounds alternate between the tools. Prints median, p90 and max,
# and the ratio of the medians. Targets (SPEC §5): median <= 50 ms and <= 0.1x wait-for-it's.
#
# Called by `make bench` with $DIST set; BENCH_ROUNDS (default 20) rounds per tool.
set -euo pipefail
DIST="${DIST:-$(cd "$(dirname "$0")/../.." && pwd)/dist}"
ROUNDS="${BENCH_ROUNDS:-20}"
WAIT_FOR="$DIST/wait-for"
PEER="$(command -v wait-for-it || true)"
[[ -x "$WAIT_FOR" ]] || { echo "wait-for bench: $WAIT_FOR is missing (make dist)" >&2; exit 1; }
[[ -n "$PEER" ]] || { echo "wait-for bench: wait-for-it is missing (scripts/install-deps.sh peers)" >&2; exit 1; }

exec python3 - "$WAIT_FOR" "$PEER" "$ROUNDS" <<'PY'
import os, random, socket, statistics, subprocess, sys, tempfile, time

wait_for, peer, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
stamp_dir = tempfile.mkdtemp(prefix="bench-wait-for.")
# The follow-up command opens a FIFO for writing; this process's open() of the read end returns at
# that moment, so both ends of the interval are read from one monotonic clock, here.
fifo = os.path.join(stamp_dir, "fifo")
os.mkfifo(fifo)

def command(tool, port):
    target = f"127.0.0.1:{port}"
    follow = ["/bin/sh", "-c", f"exec 3>'{fifo}'"]
    if tool == "wait-for":
        return [wait_for, "-q", "-t", "30", target, "--"] + follow
    return [peer, "-q", "-t", "30", target, "--"] + follow

def one_round(tool):
    reserve = socket.socket()
    reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    reserve.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    port = reserve.getsockname()[1]
    waiter = subprocess.Popen(command(tool, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(random.uniform(0.2, 2.0))
    reserve.listen(64)
    opened = time.monotonic()
    fd = os.open(fifo, os.O_RDONLY)  # returns when the follow-up command opens the FIFO
    ran = time.monotonic()
    os.close(fd)
    waiter.wait(timeout=30)
    reserve.close()
    return (ran - opened) * 1000

results = {"wait-for": [], "wait-for-it": []}
for _ in range(rounds):
    for tool in results:
        results[tool].append(one_round(tool))

def p90(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]

print(f"detection latency: listener opens at a random moment, time until the command runs ({rounds} rounds each)")
print(f"{'tool':<14}{'median':>12}{'p90':>12}{'max':>12}")
for tool, values in results.items():
    print(f"{tool:<14}{statistics.median(values):>9.1f} ms{p90(values):>9.1f} ms{max(values):>9.1f} ms")
ours, theirs = statistics.median(results["wait-for"]), statistics.median(results["wait-for-it"])
ratio = ours / theirs
verdict = "met" if ours <= 50 and ratio <= 0.1 else "NOT met"
print(f"ratio of medians: {ratio:.3f}x (target: median <= 50 ms and <= 0.1x wait-for-it: {verdict})")
os.unlink(fifo)
os.rmdir(stamp_dir)
PY
