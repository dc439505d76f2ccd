# shellcheck shell=bash
# Sourced by scripts/demo.sh and scripts/test-stack.sh: `run_stack_driver NAME PYTHON-ARGS...` runs a
# stack driver (Tests/Stack/*.py) and ends what it started, whatever happens to this script.
#
# The driver writes every process group it starts to a registry file the moment it starts, and
# strikes it off once it has seen it end. Whatever is still listed when the script exits (the
# driver was killed, say) is ended here: only those groups, never anything by name.
run_stack_driver() {
    local name=$1
    shift
    # A previous driver's registry (one script may run several): end what it left, drop the file.
    if [[ -n "${registry:-}" && -f "$registry" ]]; then
        _end_registered_groups "$registry"
    fi
    registry=$(mktemp "${TMPDIR:-/tmp}/$name-groups.XXXXXX")
    trap '_end_registered_groups "$registry"' EXIT

    # The driver runs in the background so that a signal to this script reaches it at once (bash
    # runs a trap only after a foreground command ends); it stops what it started, then exits.
    python3 "$@" --registry "$registry" &
    driver=$!
    trap 'kill -INT "$driver" 2>/dev/null || true' INT
    trap 'kill -TERM "$driver" 2>/dev/null || true' TERM
    local status=0
    wait "$driver" || status=$?
    # `wait` also returns when a trapped signal arrives: wait until the driver has really finished.
    while kill -0 "$driver" 2>/dev/null; do
        status=0
        wait "$driver" || status=$?
    done
    return "$status"
}

_end_registered_groups() {
    local group
    while read -r group; do
        if [[ "$group" =~ ^[0-9]+$ ]]; then kill -KILL -- "-$group" 2>/dev/null || true; fi
    done <"$1"
    rm -f "$1"
}
