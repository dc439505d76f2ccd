#!/usr/bin/env bash
# Records the goldens of the nginx parity test (Tests/EndToEndTests/NginxParity): runs the official
# nginx image's own entrypoint scripts on every case of the table and keeps what they leave behind.
#
#   scripts/parity/record-nginx-goldens.sh UPSTREAM
#
# UPSTREAM is a checkout of https://github.com/nginx/docker-nginx (or its bare git directory); its
# entrypoint/ scripts are used as they are, never copied into this repository. Needs root (a mount
# namespace and chroot), and the host's sh, find, sort, awk, sed, grep, envsubst, md5sum,
# dpkg-query, getconf. Not run by CI: the test compares our entrypoint with what this recorded.
#
# How a case runs: its root/ tree (etc/nginx, docker-entrypoint.d, etc/resolv.conf,
# proc/self/{mountinfo,cgroup}, proc/net/if_inet6, sys/..., etc/os-release, var/lib/dpkg/status) is
# copied into a temporary directory, the upstream scripts are added (docker-entrypoint.sh and the
# four docker-entrypoint.d scripts), the host's /usr (not /usr/local), /dev, /etc/ld.so.cache and
# /etc/alternatives (awk is a link there) are bind-mounted
# read-only in a private mount namespace (`unshare --mount`), and `chroot` runs
# `/docker-entrypoint.sh nginx -g 'daemon off;'` with `env -i` and the case's env file, where
# `nginx` is /usr/local/bin/nginx, a script that records its environment. So every path the
# scripts read — /proc/self/mountinfo included — is the case's file, and the test gives our
# entrypoint the same tree through ENTRYPOINT_NGINX_ROOT.
#
# Recorded per case, in expected/: the whole etc/nginx tree after the run, and out/ with the
# environments the last script (99-env.sh) and nginx saw (PWD, SHLVL, _, OLDPWD, OUT, PATH
# dropped). The dates the scripts write into comments become <date>.
set -euo pipefail

upstream=${1:?usage: record-nginx-goldens.sh PATH-TO-nginx/docker-nginx}
here=$(cd "$(dirname "$0")/../.." && pwd)
cases=$here/Tests/EndToEndTests/NginxParity/cases
[[ $(id -u) == 0 ]] || { echo "record-nginx-goldens: needs root (unshare, chroot)" >&2; exit 1; }

work=$(mktemp -d /tmp/nginx-goldens.XXXXXX)
trap 'rm -rf "$work"' EXIT
scripts=$work/upstream
mkdir -p "$scripts"
if [[ -d $upstream/entrypoint ]]; then
    cp "$upstream"/entrypoint/*.sh "$upstream"/entrypoint/*.envsh "$scripts"/
else
    git --git-dir="$upstream" archive HEAD entrypoint | tar -x -C "$work"
    mv "$work"/entrypoint/* "$scripts"/
fi

for dir in "$cases"/*/; do
    name=$(basename "$dir")
    root=$work/root-$name
    mkdir -p "$root"
    cp -a "$dir/root/." "$root/"
    mkdir -p "$root"/{usr,dev,tmp,out,root,usr/local/bin,etc,docker-entrypoint.d}
    for sub in bin sbin lib lib64; do
        [[ -e /usr/$sub ]] || continue
        mkdir -p "$root/usr/$sub"
        [[ -L /$sub ]] && ln -s "usr/$sub" "$root/$sub"
    done
    mkdir -p "$root/usr/share" "$root/usr/libexec"
    touch "$root/etc/ld.so.cache"
    mkdir -p "$root/etc/alternatives"
    cp "$scripts/docker-entrypoint.sh" "$root/docker-entrypoint.sh"
    cp "$scripts"/[0-9]*.sh "$scripts"/[0-9]*.envsh "$root/docker-entrypoint.d/"
    # The stand-in nginx expands $OUT when it runs (single quotes on purpose).
    # shellcheck disable=SC2016
    printf '#!/bin/sh\nenv | sort > "$OUT/nginx.env"\n' > "$root/usr/local/bin/nginx"
    chmod 0755 "$root/usr/local/bin/nginx" "$root/docker-entrypoint.sh"

    env_args=()
    while IFS= read -r line; do [[ -n $line ]] && env_args+=("$line"); done < "$dir/env"
    # The inner script reads its own positional parameters (single quotes on purpose).
    # shellcheck disable=SC2016
    unshare --mount --fork bash -c '
        set -e
        root=$1; shift
        mount --make-rprivate /
        for sub in bin sbin lib lib64 share libexec; do
            [[ -d /usr/$sub && -d $root/usr/$sub ]] && mount --bind -o ro /usr/$sub "$root/usr/$sub"
        done
        mount --bind /dev "$root/dev"
        mount --bind -o ro /etc/ld.so.cache "$root/etc/ld.so.cache"
        mount --bind -o ro /etc/alternatives "$root/etc/alternatives"
        exec chroot "$root" /usr/bin/env -i \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root OUT=/out \
            "$@" /docker-entrypoint.sh nginx -g "daemon off;"
    ' record "$root" "${env_args[@]}" > "$work/$name.log" 2>&1 || {
        echo "record-nginx-goldens: $name: the scripts failed:" >&2
        cat "$work/$name.log" >&2
        exit 1
    }

    rm -rf "$dir/expected"
    mkdir -p "$dir/expected/etc" "$dir/expected/out"
    cp -a "$root/etc/nginx" "$dir/expected/etc/"
    for file in "$root"/out/*; do
        case $file in
        *.env) grep -v -E '^(PWD|SHLVL|_|OLDPWD|OUT|PATH)=' "$file" > "$dir/expected/out/$(basename "$file")" || true ;;
        *) cp "$file" "$dir/expected/out/" ;;
        esac
    done
    # The scripts stamp their comments with date(1): keep the goldens stable.
    find "$dir/expected/etc" -type f -exec sed -i -E \
        -e 's/^(# added by "[^"]*" on ")[^"]*(")$/\1<date>\2/' \
        -e 's/^(# Commented out by [^ ]+ on ).*$/\1<date>/' {} +
    echo "recorded $name"
done
