#!/bin/sh
# The official image's entrypoint runs /docker-entrypoint.d/*.sh before nginx; the stand-in has no
# such scripts of its own, but runs any an image adds, then execs the command.
set -e
if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
    for script in /docker-entrypoint.d/*.sh; do
        [ -x "$script" ] && "$script"
    done
fi
exec "$@"
