#!/bin/sh
# As the official image's: options alone mean haproxy's; `haproxy` runs in the foreground, in
# master-worker mode (-W -db), and replaces this script.
set -e
if [ "${1#-}" != "$1" ]; then
    set -- haproxy "$@"
fi
if [ "$1" = haproxy ]; then
    shift
    set -- haproxy -W -db "$@"
fi
exec "$@"
