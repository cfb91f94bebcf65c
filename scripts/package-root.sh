#!/usr/bin/env bash
# Makes the clean Debian 12 root the package test installs into, once: debootstrap (minbase, from
# the machine's own mirror) into a tarball in .build/package-root/, which each package test copies.
#
#   scripts/package-root.sh        prints the tarball's path
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "package-root: needs root (debootstrap)" >&2; exit 1; }
cache=.build/package-root
tarball=$cache/bookworm-minbase.tar
mkdir -p "$cache"
if [ ! -f "$tarball" ]; then
    echo "package-root: making a clean Debian 12 root with debootstrap (once; kept in $tarball)" >&2
    rm -rf "$cache/make"
    if ! debootstrap --variant=minbase bookworm "$cache/make" http://deb.debian.org/debian \
        >"$cache/debootstrap.log" 2>&1; then
        echo "package-root: debootstrap failed: see $cache/debootstrap.log" >&2
        exit 1
    fi
    tar -C "$cache/make" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
    rm -rf "$cache/make"
fi
echo "$tarball"
