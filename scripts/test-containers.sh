#!/usr/bin/env bash
# `make test-containers`: the real images and docker-compose.yml on a Docker engine of the test's own.
#
#   scripts/test-containers.sh [--fresh]
#
# No registry is reachable here, so every base image the Dockerfiles name is a local stand-in built
# from a `debootstrap --variant=minbase bookworm` root (Tests/Containers/images/, cached in
# .build-containers/ between runs; --fresh bootstraps again). Then the four images build with the
# unchanged Dockerfiles (`docker build --network host`), the stack starts with docker-compose.yml
# plus Tests/Containers/compose.test.yml (host networking only: every service on 127.0.0.1 at a free
# port), and the checks run: health, a post through HAProxy, static CSS from both proxies, rendered
# configs, PID 1, read-only root, non-root processes without capabilities, graceful `docker stop`,
# secrets kept out of logs and inspect, `down -v`. The FROM-scratch wait-for image (images/wait-for)
# builds too and runs as a one-shot (exit 0 and 124).
#
# The engine (`dockerd --bridge=none --iptables=false`, its own data root, exec root and socket in a
# temporary directory) is started here and stopped by its PID on every exit, failures included;
# the directory is removed. When no engine can start (not root, no dockerd, dockerd refuses), the
# test reports itself skipped with the reason and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)

fresh=0
for argument in "$@"; do
    case "$argument" in
    --fresh) fresh=1 ;;
    *)
        echo "usage: scripts/test-containers.sh [--fresh]" >&2
        exit 64
        ;;
    esac
done

say() { echo "test-containers: $*"; }
skip() {
    say "skipped: $*"
    exit 0
}
elapsed() { echo "$(($(date +%s) - started))s"; }

# ----------------------------------------------------------------------------------------------
# Preconditions: each missing one is a skip that names it.

[[ "$(id -u)" == 0 ]] || skip "dockerd must run as root and this is uid $(id -u)"
scripts/install-deps.sh containers
for command in dockerd containerd runc debootstrap docker-compose; do
    command -v "$command" >/dev/null 2>&1 || skip "no $command (install-deps could not install it)"
done
# Debian's client speaks the engine's API version and builds without buildx.
docker_cli=/usr/bin/docker
[[ -x "$docker_cli" ]] || docker_cli=$(command -v docker) || skip "no docker client"
swift_bin=$(command -v swift) || skip "no Swift toolchain to put into the swift:6.3-bookworm stand-in"
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$swift_bin")")")")
[[ -x "$toolchain/usr/bin/swift" ]] || skip "the Swift toolchain is not laid out as TOOLCHAIN/usr/bin/swift: $swift_bin"

cache=$root/.build-containers
logs=$cache/logs
rm -rf "$logs"
mkdir -p "$logs"

# ----------------------------------------------------------------------------------------------
# The engine, in a directory of its own; stopped by PID and removed on every exit.

work=$(mktemp -d "${TMPDIR:-/tmp}/test-containers.XXXXXX")
chmod 0755 "$work"
export DOCKER_HOST="unix://$work/docker.sock"
project="ctest$$"
dockerd_pid=""
compose_file=""
counting=0
created_run_dirs=()
for directory in /run/docker /run/containerd; do
    [[ -e "$directory" ]] || created_run_dirs+=("$directory")
done

docker() { "$docker_cli" "$@"; }
compose() { docker-compose --project-name "$project" --file "$compose_file" "$@"; }

stop_engine() {
    [[ -n "$dockerd_pid" ]] || return 0
    kill -TERM "$dockerd_pid" 2>/dev/null || true
    local deadline=$((SECONDS + 60))
    while kill -0 "$dockerd_pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if kill -0 "$dockerd_pid" 2>/dev/null; then
        say "dockerd ($dockerd_pid) did not stop within 60 s: killing it and its containerd"
        kill -KILL "$dockerd_pid" 2>/dev/null || true
        local containerd_pid
        containerd_pid=$(cat "$work/exec/containerd/containerd.pid" 2>/dev/null || true)
        if [[ "$containerd_pid" =~ ^[0-9]+$ ]]; then
            kill -KILL "$containerd_pid" 2>/dev/null || true
        fi
    fi
    wait "$dockerd_pid" 2>/dev/null || true
    dockerd_pid=""
}

cleanup() {
    local status=$?
    set +e
    if [[ -n "$compose_file" && -n "$dockerd_pid" ]]; then
        compose down --volumes --timeout 10 >>"$logs/compose.log" 2>&1
    fi
    local engine=$dockerd_pid
    stop_engine
    [[ -e "$work/dockerd.log" ]] && cp "$work/dockerd.log" "$logs/dockerd.log"
    # Whatever the engine left mounted under its directories (it unmounts them when it stops).
    local mount
    while read -r mount; do
        umount -l "$mount" 2>/dev/null
    done < <(findmnt -rn -o TARGET | grep -F "$work/" | sort -r)
    rm -rf --one-file-system "$work"
    local directory
    for directory in "${created_run_dirs[@]}"; do
        find "$directory" -depth -type d -empty -delete 2>/dev/null
    done
    [[ -n "$engine" ]] && say "engine (pid $engine) stopped, $work removed; logs in ${logs#"$root"/} ($(elapsed) in all)"
    ((counting)) && echo "test-containers: $passes passed, $failures failed"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The trust key would go to /etc/docker otherwise.
printf '{"deprecated-key-path": "%s"}\n' "$work/key.json" >"$work/daemon.json"
dockerd --config-file "$work/daemon.json" --data-root "$work/data" --exec-root "$work/exec" \
    --pidfile "$work/dockerd.pid" --host "$DOCKER_HOST" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
deadline=$((SECONDS + 60))
until docker version >/dev/null 2>&1; do
    if ! kill -0 "$dockerd_pid" 2>/dev/null; then
        reason=$(grep -E 'level=(fatal|error)|failed to start' "$work/dockerd.log" | tail -n 1)
        dockerd_pid=""
        skip "dockerd exited at start: ${reason:-$(tail -n 1 "$work/dockerd.log")}"
    fi
    if ((SECONDS > deadline)); then
        skip "dockerd did not answer within 60 s (log: ${logs#"$root"/}/dockerd.log)"
    fi
    sleep 0.5
done
say "engine $(docker version --format '{{.Server.Version}}') up (pid $dockerd_pid, $(docker info --format '{{.Driver}}'), data root $work/data)"

# ----------------------------------------------------------------------------------------------
# Images. A step's output goes to its own log; a failing step prints the log's end.

# From here on every exit ends with the count of checks (in cleanup).
failures=0
passes=0
counting=1
pass() {
    passes=$((passes + 1))
    say "ok: $*"
}
fail() {
    failures=$((failures + 1))
    say "FAIL: $*"
}

# run_logged NAME COMMAND...: COMMAND with its output in $logs/NAME.log.
run_logged() {
    local name=$1
    shift
    if "$@" >"$logs/$name.log" 2>&1; then
        return 0
    fi
    say "$name failed; the end of ${logs#"$root"/}/$name.log:"
    tail -n 25 "$logs/$name.log" | sed 's/^/    /'
    return 1
}

# wait_all NAME...: waits for the background jobs started by `spawn NAME`; fails if any failed.
declare -A background=()
spawn() {
    local name=$1
    shift
    "$@" &
    background[$name]=$!
}
wait_all() {
    local name status=0
    for name in "$@"; do
        wait "${background[$name]}" || status=1
        unset "background[$name]"
    done
    return "$status"
}

# The Debian root: cached in .build-containers (CI starts without it). The machine's own extra CA
# certificates go in at every run, like its apt sources: HTTPS (PyPI) may pass a proxy here.
rootfs=$cache/bookworm-minbase
if ((fresh)) || [[ ! -e "$rootfs/etc/debian_version" ]]; then
    run_logged rootfs Tests/Containers/make-rootfs.sh "$rootfs" || exit 1
    say "debootstrap root made ($(elapsed))"
else
    say "debootstrap root reused from ${rootfs#"$root"/} (--fresh makes it anew)"
fi
rm -rf "$rootfs/usr/local/share/ca-certificates"
mkdir -p "$rootfs/usr/local/share/ca-certificates"
find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -exec cp {} "$rootfs/usr/local/share/ca-certificates/" \;

stand_ins=(python:python:3.11-slim-bookworm nginx:nginx:1.28-bookworm httpd:httpd:2.4-bookworm
    haproxy:haproxy:2.8-bookworm mysql:mysql:8.0)

import_debian() {
    tar -c --numeric-owner -C "$rootfs" . | docker import - debian:bookworm-slim
}
# The swift stand-in's base: the Debian root with the toolchain in /usr, as the official image
# unpacks it, in one import (the engine refuses a path twice in one archive: directories that both
# have are taken from the root only).
import_swift() {
    local list=$work/toolchain-paths
    LC_ALL=C comm -13 <(cd "$rootfs" && find . -path ./usr -o -path './usr/*' | LC_ALL=C sort) \
        <(cd "$toolchain" && find ./usr | LC_ALL=C sort) >"$list"
    tar -c --numeric-owner -C "$rootfs" . -C "$toolchain" --no-recursion -T "$list" |
        docker import - entrypoint-test/bookworm-swift
}
build_stand_in() { # DIRECTORY TAG
    docker build --network host --tag "$2" "Tests/Containers/images/$1"
}
# The swift stand-in, then the builder stage all four Dockerfiles share (once; the four image builds
# find it in the build cache).
swift_chain() {
    run_logged import-swift import_swift &&
        run_logged stand-in-swift build_stand_in swift swift:6.3-bookworm &&
        run_logged builder docker build --network host --target build --file images/nginx/Dockerfile .
}
other_stand_ins() {
    run_logged import-debian import_debian || return 1
    local entry status=0
    declare -A pids=()
    for entry in "${stand_ins[@]}"; do
        run_logged "stand-in-${entry%%:*}" build_stand_in "${entry%%:*}" "${entry#*:}" &
        pids[$entry]=$!
    done
    for entry in "${stand_ins[@]}"; do
        wait "${pids[$entry]}" || status=1
    done
    return "$status"
}

say "building the stand-in base images and the builder stage (logs: ${logs#"$root"/})"
spawn swift swift_chain
spawn others other_stand_ins
wait_all swift others || {
    fail "stand-in images"
    exit 1
}
say "stand-ins and builder stage built ($(elapsed))"

images=(nginx:nginx:nginx:1.28-bookworm httpd:httpd:httpd:2.4-bookworm
    haproxy:haproxy:haproxy:2.8-bookworm django:app:python:3.11-slim-bookworm)
build_image() { # DIRECTORY NAME
    docker build --network host --file "images/$1/Dockerfile" --tag "community-board/$2:latest" .
}
# The seed guide's alternative on the same bases: `apt-get install gettext-base`.
seeds=(nginx:1.28-bookworm httpd:2.4-bookworm haproxy:2.8-bookworm python:3.11-slim-bookworm)
build_seed() { # BASE
    docker build --network host --build-arg "BASE=$1" --tag "entrypoint-test/seed-gettext:${1//[:.]/-}" \
        Tests/Containers/images/seed-gettext
}
for entry in "${images[@]}"; do
    IFS=: read -r directory name _ <<<"$entry"
    spawn "image-$name" run_logged "image-$name" build_image "$directory" "$name"
done
for base in "${seeds[@]}"; do
    spawn "seed-$base" run_logged "seed-${base//[:.]/-}" build_seed "$base"
done
if wait_all "${!background[@]}"; then
    pass "the four images build with the unchanged Dockerfiles ($(elapsed))"
else
    fail "image builds"
    exit 1
fi

# ----------------------------------------------------------------------------------------------
# The wait-for image (images/wait-for): FROM scratch, the one binary and a minimal /etc, run as a
# one-shot on the host network as an init container would be: ready (0) against a listener on
# 127.0.0.1, timed out (124) against a port where nothing listens.

if run_logged image-wait-for docker build --network host --file images/wait-for/Dockerfile \
    --tag community-board/wait-for:latest .; then
    wait_for_size=$(docker image inspect --format '{{.Size}}' community-board/wait-for:latest)
    pass "the wait-for image builds ($(awk -v b="$wait_for_size" 'BEGIN { printf "%.2f MB", b / 1000000 }'))"
    echo "community-board/wait-for: $wait_for_size bytes" >"$logs/wait-for-image.txt"
    # A listener on a free port (the test's own, ended by PID), and a port where none listens.
    exec {listener_out}< <(exec python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
time.sleep(120)')
    listener_pid=$!
    read -r ready_port <&"$listener_out"
    closed_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    one_shot() { docker run --rm --network host community-board/wait-for:latest "$@"; }
    status=0
    one_shot --timeout 20s "127.0.0.1:$ready_port" >"$logs/wait-for-ready.log" 2>&1 || status=$?
    if ((status == 0)) && grep -q "ready after" "$logs/wait-for-ready.log"; then
        pass "wait-for one-shot: 127.0.0.1:$ready_port ready, exit 0"
    else
        fail "wait-for one-shot against a listener: exit $status ($(tail -n 2 "$logs/wait-for-ready.log"))"
    fi
    status=0
    one_shot --timeout 1s "127.0.0.1:$closed_port" >"$logs/wait-for-timeout.log" 2>&1 || status=$?
    if ((status == 124)); then
        pass "wait-for one-shot: nothing on 127.0.0.1:$closed_port, exit 124 after the timeout"
    else
        fail "wait-for one-shot against a closed port: exit $status, expected 124"
    fi
    users=$(docker image inspect --format '{{.Config.User}} {{json .Config.Entrypoint}}' community-board/wait-for:latest)
    if [[ "$users" == '65532:65532 ["/usr/local/bin/wait-for"]' ]]; then
        pass "wait-for image: user 65532, ENTRYPOINT in exec form"
    else
        fail "wait-for image config: $users"
    fi
    kill "$listener_pid" 2>/dev/null || true
    exec {listener_out}<&-
else
    fail "the wait-for image build"
fi

# ----------------------------------------------------------------------------------------------
# Sizes: what each image adds on top of its base, against the seed's gettext-base layer.

# layer_sizes IMAGE: "bytes<TAB>created-by" of each layer, newest first.
layer_sizes() { docker history --no-trunc --human=false --format '{{.Size}}\t{{.CreatedBy}}' "$1"; }
megabytes() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1000000 }'; }
{
    echo "| image | base | added by the Dockerfile | of which the toolkit (\`COPY --from=build /out/ /\`) | seed: \`apt-get install gettext-base\` layer on the same base |"
    echo "| --- | --- | --- | --- | --- |"
    for entry in "${images[@]}"; do
        IFS=: read -r directory name base_name base_tag <<<"$entry"
        base="$base_name:$base_tag"
        mapfile -t layers < <(layer_sizes "community-board/$name:latest")
        base_count=$(docker history -q "$base" | wc -l)
        added=0
        toolkit=0
        for ((i = ${#layers[@]} - base_count - 1; i >= 0; i--)); do
            size=${layers[i]%%$'\t'*}
            added=$((added + size))
            # The toolkit's layer is the first COPY above the base in all four Dockerfiles.
            if ((toolkit == 0)) && [[ "${layers[i]#*$'\t'}" == *"COPY dir:"* ]]; then
                toolkit=$size
            fi
        done
        seed=$(layer_sizes "entrypoint-test/seed-gettext:${base//[:.]/-}" | head -n 1 | cut -f 1)
        echo "| community-board/$name | $base | $(megabytes "$added") | $(megabytes "$toolkit") | $(megabytes "$seed") |"
    done
} >"$logs/sizes.md"
say "image sizes (${logs#"$root"/}/sizes.md):"
sed 's/^/    /' "$logs/sizes.md"

# ----------------------------------------------------------------------------------------------
# The stack: docker-compose.yml + the test's override, host networking, free loopback ports.

read -r CT_HAPROXY_PORT CT_STATS_PORT CT_NGINX_PORT CT_APACHE_PORT CT_APP_PORT CT_DB_PORT < <(
    python3 -c '
import socket
sockets = [socket.socket() for _ in range(6)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))'
)
CT_SECRETS=$work/secrets
export CT_HAPROXY_PORT CT_STATS_PORT CT_NGINX_PORT CT_APACHE_PORT CT_APP_PORT CT_DB_PORT CT_SECRETS
mkdir -m 0755 "$CT_SECRETS"
secret_names=(db_password db_root_password django_secret_key haproxy_stats_password)
for name in "${secret_names[@]}"; do
    (umask 022 && python3 -c 'import secrets; print(secrets.token_hex(24))' >"$CT_SECRETS/$name.txt")
done

# Compose v1 refuses published ports on the host network and cannot drop them from an override:
# the merged configuration goes through host-network.py, which removes just those.
docker-compose --project-name "$project" --file docker-compose.yml --file Tests/Containers/compose.test.yml \
    config 2>"$logs/compose.log" | /usr/bin/python3 Tests/Containers/host-network.py >"$work/compose.yml"
compose_file=$work/compose.yml
cp "$compose_file" "$logs/compose.yml"
networks_before=$(docker network ls --format '{{.Name}}' | sort | tr '\n' ' ')
volumes_before=$(docker volume ls -q | sort | tr '\n' ' ')

services=(haproxy nginx apache app db)
declare -A container=()
say "docker-compose up -d (haproxy :$CT_HAPROXY_PORT, nginx :$CT_NGINX_PORT, apache :$CT_APACHE_PORT, app :$CT_APP_PORT, db :$CT_DB_PORT)"
print_container_logs() {
    local service
    for service in "${services[@]}"; do
        [[ -n "${container[$service]:-}" ]] || continue
        say "the end of $service's log:"
        docker logs --tail 15 "${container[$service]}" 2>&1 | sed 's/^/    /'
    done
}
up_status=0
compose up --detach --no-build >>"$logs/compose.log" 2>&1 || up_status=$?
for service in "${services[@]}"; do
    container[$service]=$(compose ps -q "$service" 2>/dev/null || true)
done
if ((up_status != 0)); then
    fail "docker-compose up (status $up_status; ${logs#"$root"/}/compose.log):"
    tail -n 10 "$logs/compose.log" | sed 's/^/    /'
    print_container_logs
    exit 1
fi

# Every health check passing, within 3 minutes.
deadline=$((SECONDS + 180))
while :; do
    unhealthy=()
    for service in "${services[@]}"; do
        state=$(docker inspect --format '{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}' \
            "${container[$service]}" 2>/dev/null || echo missing)
        [[ "$state" == running/healthy ]] || unhealthy+=("$service=$state")
    done
    ((${#unhealthy[@]} == 0)) && break
    if ((SECONDS > deadline)); then
        fail "health checks after 180 s: ${unhealthy[*]}"
        print_container_logs
        exit 1
    fi
    sleep 0.5
done
pass "all five health checks pass (${services[*]}) ($(elapsed))"
say "networks: $(docker network ls --format '{{.Name}}' | sort | tr '\n' ' ')"

# ----------------------------------------------------------------------------------------------
# Checks on the running stack.

# A post created through HAProxy (the form, with its CSRF token) is read back through HAProxy.
haproxy_url=http://127.0.0.1:$CT_HAPROXY_PORT
jar=$work/cookies
marker="container test $$ $(date +%s)"
check_post() {
    local page token answer code location
    page=$(curl -fsS --max-time 10 -c "$jar" -b "$jar" "$haproxy_url/") || {
        fail "GET / through HAProxy"
        return
    }
    token=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' <<<"$page" | head -n 1 | sed 's/.*value="//; s/"$//')
    if [[ -z "$token" ]]; then
        fail "the board's page through HAProxy has no CSRF token"
        return
    fi
    answer=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' -c "$jar" -b "$jar" \
        --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "title=$marker" \
        --data-urlencode "author=scripts/test-containers.sh" --data-urlencode "body=posted through HAProxy" \
        "$haproxy_url/")
    read -r code location <<<"$answer"
    if [[ "$code" != 302 || "$location" != */posts/*/ ]]; then
        fail "POST / through HAProxy answered '$answer', not a redirect to the new post"
        return
    fi
    # Whole answers, then grep: `grep -q` ends at the first match, and pipefail would count the
    # writer's SIGPIPE as a failure.
    local detail board
    detail=$(curl -fsS --max-time 10 "$location" || true)
    board=$(curl -fsS --max-time 10 "$haproxy_url/" || true)
    if grep -qF "$marker" <<<"$detail" && grep -qF "$marker" <<<"$board"; then
        pass "a post created through HAProxy is read back (${location#"$haproxy_url"}, and on the board)"
    else
        fail "the post created through HAProxy ($location) does not read back"
    fi
}
check_post

# The stylesheet collectstatic put on the shared volume, byte for byte from nginx and from Apache.
css=images/django/app/board/static/board/style.css
for proxy in nginx:$CT_NGINX_PORT apache:$CT_APACHE_PORT; do
    if curl -fsS --max-time 10 "http://127.0.0.1:${proxy#*:}/static/board/style.css" | cmp -s - "$css"; then
        pass "static CSS from ${proxy%%:*} is $css byte for byte"
    else
        fail "static CSS from ${proxy%%:*} differs from $css (or is missing)"
    fi
done

# Rendered configurations: present, and no `${` left.
configs=(haproxy:/usr/local/etc/haproxy/haproxy.cfg nginx:/etc/nginx/nginx.conf
    nginx:/etc/nginx/conf.d/default.conf apache:/usr/local/apache2/conf/httpd.conf
    app:/app/run/gunicorn.conf.py)
for entry in "${configs[@]}"; do
    service=${entry%%:*}
    path=${entry#*:}
    if ! text=$(docker exec "${container[$service]}" cat "$path" 2>&1) || [[ -z "$text" ]]; then
        fail "$service: no rendered $path ($text)"
    elif grep -nF "\${" <<<"$text" >"$work/leftover"; then
        fail "$service: $path still has \${: $(head -n 3 "$work/leftover" | tr '\n' ' ')"
    else
        pass "$service: $path rendered, no \${ left ($(wc -l <<<"$text") lines)"
    fi
done

# PID 1 of each container is the server itself (db), or the entrypoint supervising it as its only
# child under the image's stop profile (README "Stop profiles"): no shell in between.
declare -A servers=([haproxy]=haproxy [nginx]=nginx [apache]="httpd apache2" [app]=gunicorn [db]="mysqld mariadbd")
for service in "${services[@]}"; do
    pid=$(docker inspect --format '{{.State.Pid}}' "${container[$service]}")
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || echo "?")
    namespace_pid=$(awk '/^NSpid:/ { print $NF }' "/proc/$pid/status" 2>/dev/null || echo "?")
    if [[ "$comm" == entrypoint && "$service" != db ]]; then
        # The stop profile's supervisor: the server is its child.
        # (The children file has no final newline, so `read` would report EOF: take the first word.)
        server_pid=$(awk '{ print $1 }' "/proc/$pid/task/$pid/children" 2>/dev/null || true)
        [[ -n "$server_pid" ]] && comm="entrypoint -> $(cat "/proc/$server_pid/comm" 2>/dev/null || echo "?")"
    fi
    command_line=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c 1-80)
    if [[ "$namespace_pid" == 1 && ( " ${servers[$service]} " == *" $comm "* || " ${servers[$service]} " == *" ${comm#entrypoint -> } "* ) ]]; then
        pass "$service: PID 1 is $comm ($command_line)"
    else
        fail "$service: PID 1 is '$comm' (pid $namespace_pid in the container: $command_line), not ${servers[$service]}"
    fi
done

# Read-only root, non-root, no capabilities (docker-compose.yml's x-hardening): the kernel's view of
# the container's root mount, a write attempt from inside, and every process's credentials.
declare -A writable=([haproxy]="/run/haproxy /tmp" [nginx]="/run/nginx /tmp" [apache]="/run/httpd /tmp"
    [app]="/app/run /tmp")
for service in haproxy nginx apache app; do
    id=${container[$service]}
    pid=$(docker inspect --format '{{.State.Pid}}' "$id")
    root_options=$(awk '$5 == "/" { print $6; exit }' "/proc/$pid/mountinfo" 2>/dev/null || echo "?")
    if [[ "$(docker inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$id")" == true &&
        ",$root_options," == *,ro,* ]] && ! docker exec "$id" touch /.read-only-probe >/dev/null 2>&1; then
        pass "$service: the root filesystem is read-only (mount options $root_options; touch / refused)"
    else
        fail "$service: the root filesystem is writable (ReadonlyRootfs $(docker inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$id"), mount options $root_options)"
    fi
    bad=()
    for directory in ${writable[$service]}; do
        # The filesystem type follows the "-" that ends the optional fields.
        options=$(awk -v d="$directory" '$5 == d { for (i = 7; i < NF; i++) if ($i == "-") { print $(i + 1) ":" $6; exit } }' \
            "/proc/$pid/mountinfo")
        [[ "$options" == tmpfs:* ]] || bad+=("$directory is not a tmpfs (${options:-no mount})")
    done
    if ((${#bad[@]} == 0)); then
        pass "$service: writable only on its tmpfs mounts (${writable[$service]})"
    else
        fail "$service: ${bad[*]}"
    fi
    # Every process of the container: real, effective, saved and filesystem uid all non-zero, no
    # effective capability.
    processes=0
    offenders=()
    for task in $(docker top "$id" -eo pid | tail -n +2); do
        processes=$((processes + 1))
        uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$task/status" 2>/dev/null) || continue
        capabilities=$(awk '/^CapEff:/ { print $2 }' "/proc/$task/status" 2>/dev/null)
        if [[ " $uids " == *" 0 "* || -z "$uids" || "$capabilities" != 0000000000000000 ]]; then
            offenders+=("$(cat "/proc/$task/comm" 2>/dev/null) (pid $task: uid $uids, CapEff $capabilities)")
        fi
    done
    if ((processes > 0 && ${#offenders[@]} == 0)); then
        pass "$service: all $processes processes run as uid $(awk '/^Uid:/ { print $2 }' "/proc/$pid/status") with no capabilities"
    else
        fail "$service: processes as root or with capabilities: ${offenders[*]:-no processes found}"
    fi
done

# ----------------------------------------------------------------------------------------------
# docker stop: every server exits by itself, gracefully, within its stop profile's drain delay plus 5 s
# (inside the stop_grace_period of docker-compose.yml).

# The line each server logs when its graceful shutdown is complete, and its exit status then.
declare -A graceful=(
    [haproxy]="All workers exited. Exiting... (0)"
    [nginx]="gracefully shutting down"
    [apache]="AH00492: caught SIGWINCH, shutting down gracefully"
    [app]="Shutting down: Master"
    [db]="Shutdown complete"
)
for service in haproxy nginx apache app db; do
    id=${container[$service]}
    signal=$(docker inspect --format '{{.Config.StopSignal}}' "$id")
    # ENTRYPOINT_STOP_DELAY=5s in the image's environment: the server keeps serving that long first.
    delay=$(docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$id" |
        sed -n 's/^ENTRYPOINT_STOP_DELAY=\([0-9]*\)s$/\1/p')
    limit=$((5000 + ${delay:-0} * 1000))
    begin=$(date +%s%N)
    docker stop "$id" >/dev/null
    took=$((($(date +%s%N) - begin) / 1000000))
    state=$(docker inspect --format '{{.State.ExitCode}} {{.State.OOMKilled}}' "$id")
    docker logs "$id" >"$work/log" 2>&1
    if [[ "$state" == "0 false" ]] && ((took < limit)) && grep -qF "${graceful[$service]}" "$work/log"; then
        pass "$service: docker stop (${signal:-SIGTERM}) -> exit 0 in ${took} ms, '${graceful[$service]}'"
    else
        fail "$service: docker stop (${signal:-SIGTERM}) -> exit status/OOM '$state' in ${took} ms (a graceful exit is 0 within $limit ms, logging '${graceful[$service]}')"
        tail -n 8 "$work/log" | sed 's/^/    /'
    fi
done
rm -f "$work/log"

# ----------------------------------------------------------------------------------------------
# Secrets: no secret's value in any container's log or `docker inspect`.

leaks=()
for service in "${services[@]}"; do
    docker logs "${container[$service]}" >"$work/out" 2>&1
    docker inspect "${container[$service]}" >>"$work/out"
    for name in "${secret_names[@]}"; do
        if grep -qF -f "$CT_SECRETS/$name.txt" "$work/out"; then
            leaks+=("$name in $service")
        fi
    done
done
rm -f "$work/out"
if ((${#leaks[@]} == 0)); then
    pass "no secret (${secret_names[*]}) in any container's docker logs or docker inspect"
else
    fail "secrets shown: ${leaks[*]}"
fi

# ----------------------------------------------------------------------------------------------
# docker-compose down -v leaves nothing behind.

compose down --volumes --timeout 10 >>"$logs/compose.log" 2>&1 || fail "docker-compose down -v"
compose_file=""
left_containers=$(docker ps -aq --filter "label=com.docker.compose.project=$project" | tr '\n' ' ')
volumes_after=$(docker volume ls -q | sort | tr '\n' ' ')
networks_after=$(docker network ls --format '{{.Name}}' | sort | tr '\n' ' ')
if [[ -z "$left_containers" && "$volumes_after" == "$volumes_before" && "$networks_after" == "$networks_before" ]]; then
    pass "docker-compose down -v leaves no container, volume or network (networks: ${networks_after% })"
else
    fail "after docker-compose down -v: containers '$left_containers', volumes '$volumes_after' (before: '$volumes_before'), networks '$networks_after' (before: '$networks_before')"
fi

say "took $(elapsed) until the checks were done"
((failures == 0))
