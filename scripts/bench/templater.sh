#!/usr/bin/env bash
# Benchmarks of `templater` against GNU envsubst (gettext-base), side by side in one run, on the same
# inputs, environment and allow-lists:
#   1. start-to-exit on a ~2 KB nginx template (posix_spawn to exit, median of many runs);
#   2. throughput on ~100 MiB of dense references (~47k per MiB) and on ~100 MiB of nginx-style text
#      (a few references per KiB), stdin -> /dev/null, median of interleaved runs;
#   3. peak RSS (/usr/bin/time -f %M) on the small and the large inputs: constant memory means the same
#      peak for 2 KB and 100 MiB.
# Rows for `templater render` (the extended language, stdin -> stdout) run when the binary has it.
# Targets: start <= 1.0x GNU, throughput >= 4x GNU (dense) and >= 8x (nginx-style).
#
# Environment: DIST (dir with the static `templater`, `entrypoint` and the `envsubst` symlink; default
# dist/), BENCH_DIR (generated inputs; default .bench/), BENCH_MIB (size of the large inputs; default
# 100), BENCH_START_RUNS (runs for start-up; default 500), BENCH_RUNS (runs per throughput row; default
# 7).
set -euo pipefail
trap 'echo "templater bench: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/../.."
# GNU looks every reference up with getenv, a scan of the whole environment: run in a known, container-
# sized environment (the variables below and a few of the caller's) so that results reproduce.
if [[ -z "${TEMPLATER_BENCH_CLEAN:-}" ]]; then
    exec env -i TEMPLATER_BENCH_CLEAN=1 PATH="$PATH" HOME="${HOME:-/root}" LANG="${LANG:-C.UTF-8}" \
        ${DIST:+DIST="$DIST"} ${BENCH_DIR:+BENCH_DIR="$BENCH_DIR"} ${BENCH_MIB:+BENCH_MIB="$BENCH_MIB"} \
        ${BENCH_START_RUNS:+BENCH_START_RUNS="$BENCH_START_RUNS"} ${BENCH_RUNS:+BENCH_RUNS="$BENCH_RUNS"} \
        bash "$0" "$@"
fi
DIST="${DIST:-$PWD/dist}"
BENCH_DIR="${BENCH_DIR:-$PWD/.bench}"
MIB="${BENCH_MIB:-100}"
START_RUNS="${BENCH_START_RUNS:-500}"
RUNS="${BENCH_RUNS:-7}"
GNU=/usr/bin/envsubst
OURS="$DIST/envsubst"
TEMPLATER="$DIST/templater"
mkdir -p "$BENCH_DIR/templater"
work="$BENCH_DIR/templater"

for tool in "$GNU" "$OURS" "$TEMPLATER" /usr/bin/time python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "templater bench: $tool is missing (make dist; scripts/install-deps.sh oracles peers python)" >&2
        exit 1
    fi
done

# MARK: - Inputs

# The variables the templates use; the same environment for every tool.
export NGINX_PORT=8080 SERVER_NAME=www.example.org BACKEND_HOST=app BACKEND_PORT=8000
export STATIC_ROOT=/srv/static CLIENT_MAX_BODY_SIZE=10m KEEPALIVE=32 PROXY_TIMEOUT=60s
NGINX_NAMES=(NGINX_PORT SERVER_NAME BACKEND_HOST BACKEND_PORT STATIC_ROOT CLIENT_MAX_BODY_SIZE
    KEEPALIVE PROXY_TIMEOUT)
for i in $(seq 0 49); do export "VAR_$i=value-$i"; done
DENSE_NAMES=()
for i in $(seq 0 2 48); do DENSE_NAMES+=("VAR_$i"); done

# GNU's SHELL-FORMAT and templater's --allow for the same selection.
shell_format() { local n out=""; for n in "$@"; do out+="\${$n} "; done; printf '%s' "${out% }"; }
allow_list() { local IFS=,; printf '%s' "$*"; }
NGINX_FORMAT="$(shell_format "${NGINX_NAMES[@]}")"
NGINX_ALLOW="$(allow_list "${NGINX_NAMES[@]}")"
DENSE_FORMAT="$(shell_format "${DENSE_NAMES[@]}")"
DENSE_ALLOW="$(allow_list "${DENSE_NAMES[@]}")"

# A ~2 KB nginx site template: the operator's ${VARS} among nginx's own $host, $uri, ...
cat >"$work/nginx.conf.template" <<'EOF'
upstream backend {
    server ${BACKEND_HOST}:${BACKEND_PORT} max_fails=3 fail_timeout=10s;
    keepalive ${KEEPALIVE};
}

map $http_x_forwarded_proto $forwarded_proto {
    default $http_x_forwarded_proto;
    ''      $scheme;
}

server {
    listen ${NGINX_PORT} default_server;
    listen [::]:${NGINX_PORT} default_server;
    server_name ${SERVER_NAME};

    client_max_body_size ${CLIENT_MAX_BODY_SIZE};
    gzip on;
    gzip_types text/plain text/css application/json application/javascript text/xml;
    gzip_min_length 1024;

    add_header X-Content-Type-Options nosniff always;
    add_header X-Frame-Options DENY always;
    add_header Referrer-Policy strict-origin-when-cross-origin always;

    access_log /dev/stdout combined;
    error_log /dev/stderr warn;
    set_real_ip_from 10.0.0.0/8;
    real_ip_header X-Forwarded-For;

    location /static/ {
        alias ${STATIC_ROOT}/;
        expires 30d;
        access_log off;
        try_files $uri =404;
    }

    location = /healthz {
        access_log off;
        return 200 "ok\n";
    }

    location / {
        proxy_pass http://backend;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $forwarded_proto;
        proxy_set_header X-Request-Id $request_id;
        proxy_connect_timeout 5s;
        proxy_read_timeout ${PROXY_TIMEOUT};
        proxy_send_timeout ${PROXY_TIMEOUT};
        proxy_redirect off;
    }

    location /ws/ {
        proxy_pass http://backend;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header Host $host;
        proxy_read_timeout ${PROXY_TIMEOUT};
    }

    error_page 502 503 504 /50x.html;
    location = /50x.html {
        root /usr/share/nginx/html;
        internal;
    }
}
EOF

# The large inputs are generated once per size (deterministic; the stamp names the generator).
generate() { # generate FILE UNIT-FILE: repeat the unit up to MIB MiB
    local file="$1" unit="$2" stamp="$1.stamp" want
    want="v1 $MIB $(md5sum <"$2")"
    if [[ -f "$file" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return; fi
    local bytes=$((MIB * 1024 * 1024)) size
    size=$(stat -c %s "$unit")
    # Doubling instead of one cat per unit: 100 MiB from 2 KB in 16 steps.
    cp "$unit" "$file.part"
    while (($(stat -c %s "$file.part") < bytes)); do
        cat "$file.part" "$file.part" >"$file.part2" && mv "$file.part2" "$file.part"
    done
    head -c "$bytes" "$file.part" >"$file" && rm -f "$file.part"
    [[ "$size" -gt 0 ]] && echo "$want" >"$stamp"
}

# Dense: config lines with two references in ~45 bytes, every name set (VAR_0 ... VAR_49), half of
# them selected by the allow-list.
awk 'BEGIN { for (i = 0; i < 2000; i++) {
    a = (i * 7) % 50; b = (i * 13 + 5) % 50
    if (i % 2) printf "option_%04d = \"${VAR_%d}:$VAR_%d\";   # set\n", i, a, b
    else printf "key_%04d = $VAR_%d / ${VAR_%d};  # default\n", i, a, b } }' >"$work/dense.unit"
generate "$work/dense.txt" "$work/dense.unit"
generate "$work/nginx.txt" "$work/nginx.conf.template"

# MARK: - Measurements

per_mib() { # per_mib FILE: references ('$' bytes) per MiB
    local dollars size
    dollars=$(tr -cd '$' <"$1" | wc -c)
    size=$(stat -c %s "$1")
    awk -v d="$dollars" -v s="$size" 'BEGIN { printf "%.0f", d / (s / 1048576) }'
}

# median_seconds RUNS WARMUP INPUT COMMAND [-- COMMAND]...: the median wall-clock seconds of each
# command (one per line), each run a posix_spawn with stdin from INPUT and stdout to /dev/null, timed from
# spawn to exit. Not hyperfine: it needs a shell for the redirection, and its shell-spawn correction is
# coarser than the ~1 ms start-up measured here. The commands are interleaved run by run, so that a busy
# neighbour on this shared machine slows them alike, and the median ignores the runs it stalls.
median_seconds() {
    python3 - "$@" <<'PY'
import os, statistics, sys, time
runs, warmup, stdin_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
commands, current = [], []
for word in sys.argv[4:] + ["--"]:
    if word == "--":
        commands.append(current)
        current = []
    else:
        current.append(word)
def once(command):
    actions = [(os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)]
    begin = time.perf_counter()
    pid = os.posix_spawn(command[0], [os.path.basename(command[0])] + command[1:], os.environ,
                         file_actions=actions)
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - begin
    if status != 0:
        sys.exit(f"templater bench: {command} exited with status {status}")
    return elapsed
times = [[] for _ in commands]
for run in range(warmup + runs):
    for index, command in enumerate(commands):
        elapsed = once(command)
        if run >= warmup:
            times[index].append(elapsed)
for samples in times:
    print(statistics.median(samples))
PY
}

peak_kib() { # peak_kib INPUT COMMAND...: peak RSS in KiB
    local input="$1"
    shift
    /usr/bin/time -f %M "$@" <"$input" 2>&1 >/dev/null | tail -n 1
}

# Whether `templater render` exists in this binary (render mode lands separately), and whether it reads
# stdin with no operand or with `-`.
render_available=false
render_stdin=()
render_note="templater render: not in this binary yet; its rows were skipped"
if "$TEMPLATER" render --allow NGINX_PORT </dev/null >/dev/null 2>&1; then
    render_available=true
elif "$TEMPLATER" render --allow NGINX_PORT - </dev/null >/dev/null 2>&1; then
    render_available=true
    render_stdin=(-)
else
    probe="$("$TEMPLATER" render --allow NGINX_PORT </dev/null 2>&1 || true)"
    if [[ "$probe" != *"unknown subcommand"* ]]; then
        render_note="templater render: fails on empty stdin (${probe%%$'\n'*}); its rows were skipped"
    fi
fi

rows=()
row() { rows+=("$(printf '%s|%s|%s|%s|%s|%s' "$@")"); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.3f ms", s * 1000 }'; }
mibps() { awk -v s="$1" -v m="$MIB" 'BEGIN { printf "%.0f MiB/s", m / s }'; }

# same_output INPUT ARGS...: GNU and we print the same bytes, or a comparison means nothing.
same_output() {
    local input="$1"
    shift
    if ! cmp -s <("$GNU" "$@" <"$input") <("$OURS" "$@" <"$input"); then
        echo "templater bench: envsubst output differs from GNU's on $input $*" >&2
        exit 1
    fi
}

# 1. Start-to-exit on the 2 KB nginx template, with its allow-list.
small="$work/nginx.conf.template"
same_output "$small" "$NGINX_FORMAT"
commands=("$GNU" "$NGINX_FORMAT" -- "$OURS" "$NGINX_FORMAT" -- "$TEMPLATER" envsubst "$NGINX_FORMAT")
if $render_available; then
    commands+=(-- "$TEMPLATER" render --allow "$NGINX_ALLOW" "${render_stdin[@]}")
fi
mapfile -t times < <(median_seconds "$START_RUNS" 20 "$small" "${commands[@]}")
row "start, 2 KB nginx template" "$(ms "${times[0]}")" "$(ms "${times[1]}")" \
    "$(ratio "${times[1]}" "${times[0]}")" \
    "$(ms "${times[2]}") ($(ratio "${times[2]}" "${times[0]}")) as templater envsubst" \
    "$($render_available && echo "$(ms "${times[3]}") ($(ratio "${times[3]}" "${times[0]}"))" || echo "n/a")"

# 2. Throughput: GNU's time over ours is the speed-up (higher is better).
throughput() { # throughput LABEL INPUT ALLOW|- [SHELL-FORMAT]
    local label="$1" input="$2" allow="$3"
    shift 3
    same_output "$input" "$@"
    local commands=("$GNU" "$@" -- "$OURS" "$@")
    if $render_available; then
        if [[ "$allow" == "-" ]]; then
            commands+=(-- "$TEMPLATER" render "${render_stdin[@]}")
        else
            commands+=(-- "$TEMPLATER" render --allow "$allow" "${render_stdin[@]}")
        fi
    fi
    local times render_cell="n/a"
    mapfile -t times < <(median_seconds "$RUNS" 1 "$input" "${commands[@]}")
    if $render_available; then
        render_cell="$(mibps "${times[2]}") ($(ratio "${times[0]}" "${times[2]}"))"
    fi
    row "$label" "$(mibps "${times[0]}")" "$(mibps "${times[1]}")" \
        "$(ratio "${times[0]}" "${times[1]}")" "" "$render_cell"
}

throughput "dense, $(per_mib "$work/dense.txt") refs/MiB, every name" "$work/dense.txt" -
throughput "dense, half the names selected" "$work/dense.txt" "$DENSE_ALLOW" "$DENSE_FORMAT"
throughput "nginx-style, $(per_mib "$work/nginx.txt") \$/MiB, allow-list" "$work/nginx.txt" \
    "$NGINX_ALLOW" "$NGINX_FORMAT"

# 3. Peak RSS on 2 KB and on the large inputs.
memory() { # memory LABEL INPUT FORMAT ALLOW
    local label="$1" input="$2" format="$3" allow="$4" gnu ours render="n/a"
    gnu=$(peak_kib "$input" "$GNU" "$format")
    ours=$(peak_kib "$input" "$OURS" "$format")
    if $render_available; then
        render="$(peak_kib "$input" "$TEMPLATER" render --allow "$allow" "${render_stdin[@]}") KiB"
    fi
    row "$label" "$gnu KiB" "$ours KiB" "$(ratio "$ours" "$gnu")" "" "$render"
}
memory "peak RSS, 2 KB nginx template" "$small" "$NGINX_FORMAT" "$NGINX_ALLOW"
memory "peak RSS, $MIB MiB nginx-style" "$work/nginx.txt" "$NGINX_FORMAT" "$NGINX_ALLOW"
memory "peak RSS, $MIB MiB dense" "$work/dense.txt" "$DENSE_FORMAT" "$DENSE_ALLOW"

# MARK: - Report

echo "templater vs GNU envsubst $("$GNU" --version | head -n 1 | awk '{ print $NF }'), $(env | wc -l)" \
    "environment variables (ratio: start and memory ours/GNU, lower is better; throughput our speed-up," \
    "higher is better)"
{
    echo "benchmark|GNU envsubst|envsubst (dist/envsubst)|ratio|notes|templater render (ratio)"
    printf '%s\n' "${rows[@]}"
} | awk -F'|' '{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > width[i]) width[i] = length($i) }
    if (NF > columns) columns = NF; rows = NR }
    END { for (r = 1; r <= rows; r++) { line = ""
        for (i = 1; i <= columns; i++) line = line sprintf("%-" width[i] + 2 "s", cell[r, i])
        sub(/ +$/, "", line); print line } }'
if ! $render_available; then
    echo "$render_note"
fi
echo "targets: start <= 1.00x; dense >= 4x; nginx-style >= 8x; peak RSS the same for 2 KB and $MIB MiB"
