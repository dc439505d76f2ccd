#!/usr/bin/env bash
# `make demo` (after `make dist`): the HA stack of docker-compose.yml on 127.0.0.1 without Docker.
# HAProxy -> nginx + Apache httpd -> Django on Gunicorn -> MariaDB (or PostgreSQL), on free
# loopback ports, every server started through dist/entrypoint with the files of templates/.
# Prints the URLs and stops everything it started on Ctrl-C. Installs what is missing: Debian's
# nginx, apache2, haproxy, mariadb-server, postgresql; Django, Gunicorn and the database drivers
# into .demo/venv (images/django/app/requirements.txt, the image's pins).
#
#   scripts/demo.sh [--engine mariadb|postgresql]
set -euo pipefail
cd "$(dirname "$0")/.."

[[ -x dist/entrypoint ]] || make dist
scripts/install-deps.sh oracles servers python

if ! python3 Tests/Stack/stack.py entrypoint-ready; then
    # An entrypoint that cannot render and exec yet (early builds): show what the templates
    # become, with example values, and lint them.
    echo "demo: dist/entrypoint cannot run the stack yet; rendering templates/ with templates/example.env instead" >&2
    out=.demo/rendered
    mkdir -p "$out"
    templates=(templates/nginx/nginx.conf.template templates/nginx/default.conf.template
        templates/httpd/httpd.conf.template templates/haproxy/haproxy.cfg.template
        templates/gunicorn/gunicorn.conf.py.template)
    dist/templater check --braces-only --env-file templates/example.env "${templates[@]}"
    for template in "${templates[@]}"; do
        name=$(basename "$template" .template)
        dist/templater render --braces-only --env-file templates/example.env -o "$out/$name" "$template"
        echo "demo: rendered $template -> $out/$name"
    done
    exit 0
fi

# The demo records every process group it starts; whatever it has not seen end by the time this
# script exits is ended here (only those groups).
registry=$(mktemp "${TMPDIR:-/tmp}/demo-groups.XXXXXX")
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
python3 Tests/Stack/stack.py demo --registry "$registry" "$@" &
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
