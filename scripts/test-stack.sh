#!/usr/bin/env bash
# `make test-stack`: the HA stack of docker-compose.yml on 127.0.0.1 without Docker, once with
# MariaDB and once with PostgreSQL, every server started through dist/entrypoint with the files of
# templates/ (Tests/Stack/test_stack.py). Installs what is missing: Debian's nginx, apache2,
# haproxy, mariadb-server, postgresql; Django, Gunicorn, PyMySQL and psycopg into .demo/venv.
#
#   scripts/test-stack.sh [--engine mariadb|postgresql]... [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh servers python

# Every process group the driver starts is written here the moment it starts, and struck off once
# the driver has seen it end. Whatever is still listed when this script exits (the driver was
# killed, say) is ended here: only those groups, never anything by name.
registry=$(mktemp "${TMPDIR:-/tmp}/stack-groups.XXXXXX")
cleanup() {
    local group
    while read -r group; do
        [[ "$group" =~ ^[0-9]+$ ]] && kill -KILL -- "-$group" 2>/dev/null || true
    done <"$registry"
    rm -f "$registry"
}
trap cleanup EXIT

# The driver runs in the background so that a signal to this script reaches it at once (bash runs
# a trap only after a foreground command ends); it stops what it started, then exits.
python3 Tests/Stack/test_stack.py --registry "$registry" "$@" &
driver=$!
trap 'kill -INT "$driver" 2>/dev/null || true' INT
trap 'kill -TERM "$driver" 2>/dev/null || true' TERM
status=0
wait "$driver" || status=$?
# `wait` also returns when a trapped signal arrives: wait until the driver has really finished.
while kill -0 "$driver" 2>/dev/null; do
    status=0
    wait "$driver" || status=$?
done
exit "$status"
