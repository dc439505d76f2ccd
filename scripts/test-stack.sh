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

# shellcheck source=scripts/lib/stack-driver.sh
source scripts/lib/stack-driver.sh
status=0
run_stack_driver stack Tests/Stack/test_stack.py "$@" || status=$?
exit "$status"
