#!/usr/bin/env bash
# `make test-stack`: the HA stack of docker-compose.yml on 127.0.0.1 without Docker, once with
# MariaDB and once with PostgreSQL, every server started through dist/entrypoint with the files of
# templates/ (Tests/Stack/test_stack.py); then the same stack laid out and run as kubelet runs
# deploy/kubernetes/ (Tests/Stack/test_kubelet.py: ConfigMap and Secret volumes, the migrate Job, a
# rolling update and a ConfigMap update under load). Installs what is missing: Debian's nginx,
# apache2, haproxy, mariadb-server, postgresql; Django, Gunicorn, PyMySQL and psycopg into .demo/venv.
#
#   scripts/test-stack.sh [--engine mariadb|postgresql]... [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh servers python

# shellcheck source=scripts/lib/stack-driver.sh
source scripts/lib/stack-driver.sh
status=0
run_stack_driver stack Tests/Stack/test_stack.py "$@" || status=$?
kubelet_args=()
for arg in "$@"; do
    if [[ "$arg" == --keep ]]; then kubelet_args+=(--keep); fi
done
run_stack_driver kubelet Tests/Stack/test_kubelet.py "${kubelet_args[@]}" || status=$?
exit "$status"
