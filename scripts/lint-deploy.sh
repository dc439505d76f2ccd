#!/usr/bin/env bash
# `make lint-deploy` (part of `make test`): the offline checks of deploy/ (Tests/Deploy/deploycheck.py:
# kubernetes-validate against Kubernetes 1.37's API schemas, the stack file against the Compose
# specification's schema, manifests against templates/ and images/), then the same checks on broken
# copies, each of which must fail (Tests/Deploy/test_mutations.py). No cluster, no Swarm, no network:
# both run in a network namespace of their own when `unshare` may make one.
#
#   scripts/lint-deploy.sh [--quick]      --quick: deploycheck.py only
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for argument in "$@"; do
    case "$argument" in
    --quick) quick=1 ;;
    *)
        echo "usage: scripts/lint-deploy.sh [--quick]" >&2
        exit 64
        ;;
    esac
done

scripts/install-deps.sh deploy
python=.demo/deploy-venv/bin/python
# The debug build's templater (make build) unless TEMPLATER names another, e.g. dist/templater.
export TEMPLATER=${TEMPLATER:-$(swift build --show-bin-path)/templater}
[[ -x "$TEMPLATER" ]] || swift build --product templater

# Offline for real: a new network namespace has only a loopback that is down.
offline=()
if unshare --net true 2>/dev/null; then
    offline=(unshare --net)
    echo "lint-deploy: running without network (unshare --net)"
else
    echo "lint-deploy: unshare --net not permitted here: running with the network as it is"
fi

status=0
"${offline[@]}" "$python" Tests/Deploy/deploycheck.py --templater "$TEMPLATER" || status=1
if ((quick == 0)); then
    "${offline[@]}" "$python" Tests/Deploy/test_mutations.py --templater "$TEMPLATER" || status=1
fi
exit "$status"
