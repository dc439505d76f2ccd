#!/usr/bin/env bash
# A minimal Debian bookworm root, the way Debian's own Docker images are cut: `debootstrap
# --variant=minbase` against the mirror apt uses here, then the settings of the `-slim` images
# (no docs, man pages or locales; apt cleans up after itself; package scripts never start a
# service). The container test imports it as `debian:bookworm-slim` and builds every stand-in
# image on it.
#
#   Tests/Containers/make-rootfs.sh DIRECTORY
#
# DIRECTORY is created whole or not at all: debootstrap runs in a sibling temporary directory that
# is renamed into place once complete, and removed (after unmounting whatever debootstrap left
# mounted in it) when anything fails.
set -euo pipefail

target=${1:?usage: make-rootfs.sh DIRECTORY}
suite=bookworm

# The mirror: the first apt source whose suites include bookworm itself, in deb822 (*.sources)
# or one-line (*.list) form. Every bookworm* suite of that mirror family goes into the root's own
# sources, so the stand-ins get the same updates as the machine.
sources() {
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [[ -e "$file" ]] || continue
        awk '
            function flush() {
                if (uris != "" && suites != "") {
                    n = split(suites, s, " ")
                    for (i = 1; i <= n; i++) if (s[i] ~ /^bookworm(-|$)/) print uris, s[i], components
                }
                uris = suites = components = ""
            }
            /^[ \t]*$/ { flush(); next }
            /^URIs:/ { uris = $2 }
            /^Suites:/ { $1 = ""; suites = $0 }
            /^Components:/ { $1 = ""; components = $0 }
            END { flush() }
        ' "$file"
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -e "$file" ]] || continue
        awk '$1 == "deb" && $2 !~ /^\[/ && $3 ~ /^bookworm(-|$)/ { $1 = ""; print }' "$file"
    done
}
mapfile -t lines < <(sources | sed 's/^ *//; s/  */ /g')
mirror=""
for line in "${lines[@]}"; do
    read -r uri dist _ <<<"$line"
    if [[ "$dist" == "$suite" ]]; then
        mirror=$uri
        break
    fi
done
if [[ -z "$mirror" ]]; then
    echo "make-rootfs: no apt source for $suite in /etc/apt/sources.list{,.d/*}" >&2
    exit 1
fi

parent=$(dirname "$target")
mkdir -p "$parent"
work=$(mktemp -d "$parent/.rootfs.XXXXXX")
cleanup() {
    # debootstrap mounts /proc and /sys inside the root while it runs; never delete through them.
    local mount
    while read -r mount; do
        umount -l "$mount" 2>/dev/null || true
    done < <(findmnt -rn -o TARGET | grep -F "$work/" | sort -r)
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

echo "make-rootfs: debootstrap --variant=minbase $suite from $mirror" >&2
debootstrap --variant=minbase "$suite" "$work" "$mirror" >"$work.log" 2>&1 || {
    tail -n 20 "$work.log" >&2
    rm -f "$work.log"
    exit 1
}
rm -f "$work.log"

# The root's own sources: the same lines as the machine's for bookworm.
printf 'deb %s\n' "${lines[@]}" >"$work/etc/apt/sources.list"

# As in Debian's images: package scripts must not start services in a container build.
printf '#!/bin/sh\nexit 101\n' >"$work/usr/sbin/policy-rc.d"
chmod 0755 "$work/usr/sbin/policy-rc.d"

# As in the -slim images: no documentation, man pages or translations from later installs...
cat >"$work/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
# ... nor from what debootstrap installed.
find "$work/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$work/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$work"/usr/share/{man,groff,info,lintian,linda}/*
find "$work/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +

# apt keeps neither downloaded packages nor translations, and no recommends-of-suggests.
cat >"$work/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' >"$work/etc/apt/apt.conf.d/docker-no-languages"
echo 'Acquire::GzipIndexes "true";' >"$work/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$work/etc/apt/apt.conf.d/docker-autoremove-suggests"

# Nothing of the build host: caches, lists, logs, the host's name.
rm -rf "$work"/var/cache/apt/archives/*.deb "$work"/var/cache/apt/*.bin "$work"/var/lib/apt/lists/*
find "$work/var/log" -type f -delete
rm -f "$work/etc/hostname" "$work/etc/resolv.conf"
: >"$work/etc/machine-id" 2>/dev/null || true

rm -rf --one-file-system "$target"
mv "$work" "$target"
trap - EXIT
echo "make-rootfs: $target ($(du -s --one-file-system -m "$target" | cut -f1) MB)" >&2
