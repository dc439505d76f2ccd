#!/usr/bin/env bash
# `make bench` part: the entrypoint side by side with what it replaces, in one run.
#  1. start-up: `entrypoint --template t:f -- /bin/true` against `sh entrypoint.sh` doing
#     `envsubst '${A} ${B}' < t > f && exec /bin/true` (target: <= 0.5x);
#  2. init mode: SIGTERM forwarding latency of `entrypoint --init` against Debian's tini (target: <= 1x),
#     and with the nginx image's signal map (`--signal-map TERM:QUIT`: the child gets SIGQUIT).
# Needs $DIST (the dist dir), GNU envsubst (gettext-base), tini and python3.
set -euo pipefail
DIST="${DIST:?set DIST to the directory of the release binaries}"
BENCH_DIR="${BENCH_DIR:-$(mktemp -d)}"
work="$BENCH_DIR/entrypoint"
rm -rf "$work" && mkdir -p "$work"
entrypoint="$DIST/entrypoint"
for tool in envsubst tini python3; do
    command -v "$tool" >/dev/null || { echo "entrypoint bench: $tool is missing" >&2; exit 1; }
done

# --- 1. render + exec -------------------------------------------------------------------------------
# The nginx server block of seed 001: a few selected references among nginx's own $variables.
cat > "$work/default.conf.template" <<'TEMPLATE'
upstream backend {
    server ${BACKEND_HOST}:${BACKEND_PORT};
    keepalive 32;
}
server {
    listen ${NGINX_PORT};
    server_name ${SERVER_NAME};
    client_max_body_size 10m;
    location /static/ {
        alias /app/static/;
        expires 30d;
        add_header Cache-Control "public";
    }
    location / {
        proxy_pass http://backend;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 60s;
    }
    location = /health {
        access_log off;
        return 200 "ok\n";
    }
}
TEMPLATE
vars='BACKEND_HOST=app BACKEND_PORT=8000 NGINX_PORT=80 SERVER_NAME=example.com'
# What the seed's images do: a shell script that renders with an allow-list, then execs the server.
cat > "$work/entrypoint.sh" <<SCRIPT
#!/bin/sh
envsubst '\${BACKEND_HOST} \${BACKEND_PORT} \${NGINX_PORT} \${SERVER_NAME}' \\
    < $work/default.conf.template > $work/theirs.conf && exec /bin/true
SCRIPT
# shellcheck disable=SC2054 # the commas are inside --allow's one argument
ours=("$entrypoint" --quiet --template "$work/default.conf.template:$work/ours.conf"
    --allow BACKEND_HOST,BACKEND_PORT,NGINX_PORT,SERVER_NAME -- /bin/true)
theirs=(/bin/sh "$work/entrypoint.sh")

# Both must produce the same file before they are timed.
read -ra assignments <<<"$vars"
env -i PATH=/usr/bin:/bin "${assignments[@]}" "${ours[@]}"
env -i PATH=/usr/bin:/bin "${assignments[@]}" "${theirs[@]}"
cmp "$work/ours.conf" "$work/theirs.conf" || { echo "entrypoint bench: outputs differ" >&2; exit 1; }

# Interleaved runs (ours, theirs, ours, ...) so that the load of a shared machine hits both alike;
# each run is a posix_spawn + wait4 from this harness with the same small environment. Wall time and
# CPU time (user + system of the whole process tree, from wait4) are both reported.
python3 - "$vars" "${#ours[@]}" "${ours[@]}" "${theirs[@]}" <<'PY'
import os, statistics, sys, time
variables = dict(item.split("=", 1) for item in sys.argv[1].split())
count = int(sys.argv[2])
commands = {"entrypoint render + exec": sys.argv[3:3 + count], "sh: envsubst + exec": sys.argv[3 + count:]}
environment = {"PATH": "/usr/bin:/bin", **variables}
wall = {name: [] for name in commands}
cpu = {name: [] for name in commands}
for round in range(600):
    for name, argv in commands.items():
        start = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, environment)
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter_ns() - start
        assert os.waitstatus_to_exitcode(status) == 0, name
        if round >= 50:  # warm-up
            wall[name].append(elapsed / 1e6)
            cpu[name].append((usage.ru_utime + usage.ru_stime) * 1e3)
print(f"{'start-up (550 interleaved runs)':34} {'wall median':>12} {'wall p90':>10} {'CPU median':>11}")
for name in commands:
    w = sorted(wall[name])
    print(f"{name:34} {statistics.median(w):10.3f}ms {w[int(len(w) * 0.9)]:8.3f}ms"
          f" {statistics.median(cpu[name]):9.3f}ms")
ours, theirs = commands
ratio = statistics.median(wall[ours]) / statistics.median(wall[theirs])
cpu_ratio = statistics.median(cpu[ours]) / statistics.median(cpu[theirs])
print(f"ratio entrypoint / sh+envsubst: wall {ratio:.2f}x, CPU {cpu_ratio:.2f}x   (target <= 0.50x)")
PY

# --- 2. init-mode SIGTERM forwarding latency -----------------------------------------------------------
# The child blocks SIGTERM and SIGQUIT, says "ready", takes one with sigwait and prints the monotonic time;
# the harness sends SIGTERM to the init process and records the time just before kill(2).
cat > "$work/child.py" <<'PY'
import signal, sys, time
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGQUIT})
print("ready", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGQUIT})
print(time.clock_gettime_ns(time.CLOCK_MONOTONIC), flush=True)
PY
python3 - "$entrypoint" "$work/child.py" <<'PY'
import os, signal, statistics, subprocess, sys, time
entrypoint, child = sys.argv[1], sys.argv[2]
inits = {
    "entrypoint --init": [entrypoint, "--init", "--quiet", "--", sys.executable, child],
    "entrypoint --signal-map TERM:QUIT": [entrypoint, "--signal-map", "TERM:QUIT", "--quiet", "--",
                                          sys.executable, child],
    "tini": ["tini", "-s", "--", sys.executable, child],
}
samples = {name: [] for name in inits}
for _ in range(100):
    for name, argv in inits.items():  # interleaved, so that load affects both alike
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert process.stdout.readline().strip() == "ready"
        sent = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        os.kill(process.pid, signal.SIGTERM)
        received = int(process.stdout.readline())
        process.wait()
        samples[name].append((received - sent) / 1000)
print(f"{'SIGTERM forwarding (100 runs)':34} {'median':>10} {'p90':>10} {'max':>10}")
for name, values in samples.items():
    values.sort()
    print(f"{name:34} {statistics.median(values):8.1f}us {values[89]:8.1f}us {values[-1]:8.1f}us")
for name in ("entrypoint --init", "entrypoint --signal-map TERM:QUIT"):
    ratio = statistics.median(samples[name]) / statistics.median(samples["tini"])
    print(f"ratio {name} / tini (median): {ratio:.2f}x   (target <= 1.00x)")
PY
