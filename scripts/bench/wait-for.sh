#!/usr/bin/env bash
# Detection latency of `wait-for` side by side with Debian's `wait-for-it`, in one run.
#
# Each round starts the waiter on a free loopback port where nothing listens, opens a listener at a
# random moment 0.2-2 s later, and measures the time from listen() to the start of the follow-up
# command (which writes the clock). Rounds alternate between the tools. Prints median, p90 and max,
# and the ratio of the medians. Targets: median <= 50 ms and <= 0.1x wait-for-it's.
#
# Then the protocol targets wait-for-it cannot probe, same bar (median <= 50 ms), against stub
# servers in this script: `redis://` on a server that answers -LOADING until a random moment and
# +PONG after it (time from that switch), `amqp://` on a broker port that opens at a random moment
# and answers the protocol header with Connection.Start (time from listen()), and `?stable=3` on a
# TCP target (three ready answers in a row at the 50 ms interval: about 100 ms more, by design).
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

import threading

def serve(listener, state, answer):
    """Accepts until state["stop"]; each connection gets answer(request) after its first read."""
    listener.settimeout(0.02)
    while not state["stop"]:
        try:
            conn, _ = listener.accept()
        except (socket.timeout, OSError):
            continue
        with conn:
            conn.settimeout(1)
            try:
                request = conn.recv(4096)
                conn.sendall(answer(request))
            except OSError:
                pass

CONNECTION_START = bytes([1, 0, 0]) + (4 + 2 + 4 + 4 + 5 + 4 + 5).to_bytes(4, "big") \
    + bytes([0, 10, 0, 10, 0, 9]) + (0).to_bytes(4, "big") \
    + (5).to_bytes(4, "big") + b"PLAIN" + (5).to_bytes(4, "big") + b"en_US" + bytes([0xCE])

def protocol_round(kind):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    state = {"stop": False, "ready": False}
    if kind == "redis":
        target = f"redis://127.0.0.1:{port}"
        answer = lambda _: b"+PONG\r\n" if state["ready"] else b"-LOADING Redis is loading the dataset in memory\r\n"
        listener.listen(64)
    elif kind == "amqp":
        target = f"amqp://127.0.0.1:{port}"
        answer = lambda _: CONNECTION_START
    else:
        target = f"127.0.0.1:{port}?stable=3"
        answer = lambda _: b""
    thread = threading.Thread(target=serve, args=(listener, state, answer))
    waiter = subprocess.Popen(
        [wait_for, "-q", "-t", "30", target, "--", "/bin/sh", "-c", f"exec 3>'{fifo}'"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kind == "redis":
        thread.start()
    time.sleep(random.uniform(0.2, 2.0))
    if kind == "redis":
        state["ready"] = True
        opened = time.monotonic()
    else:
        listener.listen(64)
        opened = time.monotonic()  # connections queue from here; the thread accepts them
        thread.start()
    fd = os.open(fifo, os.O_RDONLY)
    ran = time.monotonic()
    os.close(fd)
    waiter.wait(timeout=30)
    state["stop"] = True
    thread.join()
    listener.close()
    return (ran - opened) * 1000

kinds = {"redis:// LOADING -> PONG": "redis", "amqp:// Connection.Start": "amqp", "tcp ?stable=3": "stable"}
protocol = {name: [] for name in kinds}
for _ in range(rounds):
    for name, kind in kinds.items():
        protocol[name].append(protocol_round(kind))
print()
print(f"protocol targets: time from the server becoming ready until the command runs ({rounds} rounds each)")
print(f"{'target':<28}{'median':>12}{'p90':>12}{'max':>12}")
for name, values in protocol.items():
    print(f"{name:<28}{statistics.median(values):>9.1f} ms{p90(values):>9.1f} ms{max(values):>9.1f} ms")
met = all(statistics.median(protocol[name]) <= 50 for name in list(kinds)[:2])
print(f"redis:// and amqp:// medians <= 50 ms: {'met' if met else 'NOT met'}")
os.unlink(fifo)
os.rmdir(stamp_dir)
PY
