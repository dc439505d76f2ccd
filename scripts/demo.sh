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

# shellcheck source=scripts/lib/stack-driver.sh
source scripts/lib/stack-driver.sh
status=0
run_stack_driver demo Tests/Stack/stack.py demo "$@" || status=$?
exit "$status"
