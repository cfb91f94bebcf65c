#!/usr/bin/env bash
# Installs, upgrades, removes and purges the packages in dist/ on a clean Debian 12 root, as
# piuparts does, and checks at each step what Debian expects of them (docs/packaging.md).
#
#   scripts/package-test.sh            the packages `make package` left in dist/
#
# The root is made once with debootstrap (scripts/package-root.sh) and kept as a tarball in
# .build/package-root/; each run starts from a fresh copy. The previous version is
# this build relabelled 0.1.0~previous with a different packaged hub.toml: the upgrade path and
# the conffile rules are what is tested (no earlier release exists to upgrade from yet).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "package-test: FAIL: $*" >&2
    exit 1
}
step() { echo "package-test: $*"; }

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap and chroot)"
shopt -s nullglob
debs=(dist/*.deb)
[ ${#debs[@]} -eq 4 ] || fail "expected the 4 packages of 'make package' in dist/, found ${#debs[@]}"

tarball=$(bash scripts/package-root.sh) || fail "no clean Debian 12 root to test in"

work=$(mktemp -d /tmp/outpost-package-test.XXXXXX)
root=$work/root
hub=""
cleanup() {
    # A hub started in the root, if a check failed while it ran.
    if [ -n "$hub" ]; then kill -TERM "$hub" 2>/dev/null || true; wait "$hub" 2>/dev/null || true; fi
    for mounted in proc dev/pts; do umount "$root/$mounted" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
# The machine's mirrors (bookworm, its updates and security), its resolver, and /proc for apt.
rm -f "$root/etc/apt/sources.list"
cp /etc/apt/sources.list.d/* "$root/etc/apt/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mkdir -p "$root/dev/pts"
mount -t devpts devpts "$root/dev/pts"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
apt_in_root() {
    in_root apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

# The previous version: the same files, an older version number and another packaged hub.toml.
mkdir -p "$root/debs/current" "$root/debs/previous"
cp dist/*.deb "$root/debs/current/"
for deb in dist/*.deb; do
    unpacked=$work/repack
    rm -rf "$unpacked"
    dpkg-deb -R "$deb" "$unpacked"
    version=$(dpkg-deb -f "$deb" Version)
    sed -i "s/^Version: .*/Version: $version~previous/; s/(= $version)/(= $version~previous)/g" "$unpacked/DEBIAN/control"
    if [ -f "$unpacked/etc/outpost/hub.toml" ]; then
        echo "# As packaged by the previous version." >>"$unpacked/etc/outpost/hub.toml"
        (cd "$unpacked" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum >DEBIAN/md5sums)
    fi
    # gzip -1: a test package, built in seconds rather than xz's minutes.
    dpkg-deb -Zgzip -z1 --root-owner-group -b "$unpacked" "$root/debs/previous/" >/dev/null
done

step "installing what the packages depend on, then taking the root's inventory"
apt_in_root update >/dev/null
dependencies=$(for deb in dist/*.deb; do dpkg-deb -f "$deb" Depends; done | tr ',' '\n' | sed 's/(.*//; s/ //g' \
    | grep -v '^outpost' | grep -v '^$' | sort -u | tr '\n' ' ')
# shellcheck disable=SC2086
apt_in_root install --no-install-recommends $dependencies >/dev/null
inventory() {
    (cd "$root" && find . -xdev \( -path ./proc -o -path ./debs -o -path ./var/lib/apt -o -path ./var/cache \
        -o -path ./var/log -o -path ./var/lib/dpkg -o -path ./tmp -o -path ./run \) -prune -o -print | sort)
}
inventory >"$work/before"

step "installing the previous version"
# shellcheck disable=SC2046
apt_in_root install --no-install-recommends $(cd "$root" && ls debs/previous/*.deb | sed 's|^|/|') >/dev/null
expect() {
    local what=$1
    shift
    in_root sh -c "$*" >/dev/null 2>&1 || fail "$what"
}
expect "the user outpost is a system user" 'test "$(id -u outpost)" -lt 1000'
expect "outpost is in dialout" 'id -nG outpost | grep -qw dialout'
expect "the user outpost-hub exists" 'id outpost-hub'
expect "/var/lib/outpost belongs to outpost, 0750" 'test "$(stat -c %U:%a /var/lib/outpost)" = outpost:750'
expect "/var/lib/outpost-hub belongs to outpost-hub, 0750" \
    'test "$(stat -c %U:%a /var/lib/outpost-hub)" = outpost-hub:750'
expect "hub.toml is a conffile" 'dpkg-query -W -f="\${Conffiles}" outpost-hub | grep -q /etc/outpost/hub.toml'
expect "hub.toml is readable by root and the hub only" \
    'test "$(stat -c %U:%G:%a /etc/outpost/hub.toml)" = root:outpost-hub:640'
for unit in outpost-agent.service outpost-hub.service outpost-crl-renew.timer; do
    expect "$unit is enabled" "test -L /etc/systemd/system/*.target.wants/$unit"
done
# No Swift on this root: the programs carry their runtime.
expect "no Swift runtime on the root" '! find / -xdev -name "libswiftCore.so*" | grep -q .'
for program in outpost-agent outpost-hub outpostctl; do
    expect "$program runs without Swift installed" "$program --version"
done
expect "the hub's packaged configuration passes its check" \
    'runuser -u outpost-hub -- outpost-hub check --config /etc/outpost/hub.toml'
expect "the agent finds the packaged device profiles" \
    'cd / && outpost-agent probe --list-profiles 2>/dev/null || test -f /usr/share/outpost/hardware/devices/eastron-sdm120.toml'

step "provisioning the gateway and using the hub as an operator would"
port=$((20000 + RANDOM % 20000))
sed -i "s/^listen = .*/listen = \"127.0.0.1:$port\"/" "$root/etc/outpost/hub.toml"
printf '# provisioned by first-boot.sh\n' >"$root/etc/outpost/agent.toml"
printf 'journal\n' >"$root/var/lib/outpost/marker"
# chroot, env and setpriv each execute the next in their place (runuser would fork the hub and
# not pass a SIGTERM on, a shell function would run in a subshell): $hub is the hub itself.
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    setpriv --reuid=outpost-hub --regid=outpost-hub --init-groups \
    outpost-hub serve --config /etc/outpost/hub.toml >"$work/hub.log" 2>&1 &
hub=$!
served=""
for _ in $(seq 1 300); do
    if curl -fsS "http://127.0.0.1:$port/login" -o "$work/login.html" 2>/dev/null; then served=yes; break; fi
    kill -0 "$hub" 2>/dev/null || break
    sleep 0.1
done
[ -n "$served" ] || { cat "$work/hub.log" >&2; fail "the packaged hub did not serve its dashboard"; }
for library in /vendor/dygraphs/dygraph.min.js /vendor/leaflet/leaflet.js /assets/app.js; do
    curl -fsS "http://127.0.0.1:$port$library" -o /dev/null || fail "the packaged hub does not serve $library"
done
kill -TERM "$hub"
wait "$hub" || true
hub=""
if pgrep -f "^outpost-hub serve --config /etc/outpost/hub.toml$" >/dev/null; then
    fail "the packaged hub did not stop on SIGTERM"
fi

expect "the hub made its store in /var/lib/outpost-hub" 'test -f /var/lib/outpost-hub/hub.db'

step "upgrading to the current version"
# shellcheck disable=SC2046
apt_in_root install --no-install-recommends $(cd "$root" && ls debs/current/*.deb | sed 's|^|/|') >/dev/null
current=$(dpkg-deb -f dist/outpost-agent_*.deb Version)
expect "outpost-agent is now $current" "test \"\$(dpkg-query -W -f='\${Version}' outpost-agent)\" = $current"
expect "the changed hub.toml is kept" "grep -q 'listen = \"127.0.0.1:$port\"' /etc/outpost/hub.toml"
expect "the gateway's agent.toml is untouched" 'grep -q "provisioned by first-boot.sh" /etc/outpost/agent.toml'
expect "the journal is kept" 'test -f /var/lib/outpost/marker'
expect "the hub's store is kept" 'test -f /var/lib/outpost-hub/hub.db'
expect "outpost-agent.service is still enabled" 'test -L /etc/systemd/system/multi-user.target.wants/outpost-agent.service'

step "removing"
apt_in_root remove outpost-agent outpost-hub outpostctl outpost-hardware >/dev/null
expect "the programs are gone" '! test -e /usr/bin/outpost-agent && ! test -e /usr/bin/outpost-hub'
expect "remove keeps the journal" 'test -f /var/lib/outpost/marker'
expect "remove keeps the hub's store" 'test -f /var/lib/outpost-hub/hub.db'
expect "remove keeps hub.toml" 'test -f /etc/outpost/hub.toml'

step "purging"
in_root dpkg --purge outpost-agent outpost-hub outpostctl >/dev/null
expect "purge deletes the journal" '! test -e /var/lib/outpost'
expect "purge deletes the hub's store" '! test -e /var/lib/outpost-hub'
expect "purge deletes hub.toml" '! test -e /etc/outpost/hub.toml'
# What first-boot.sh installed is the administrator's (docs/packaging.md): dpkg leaves it, and
# /etc/outpost with it. Removed here as an administrator would; the rest must be gone.
expect "purge leaves the gateway's agent.toml" 'test -f /etc/outpost/agent.toml'
rm -f "$root/etc/outpost/agent.toml"
rmdir "$root/etc/outpost"
inventory >"$work/after"
# The system users stay, as Debian keeps them: /etc/passwd and friends changed, nothing else.
left=$(comm -13 "$work/before" "$work/after" | grep -v -E '^\./etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$' || true)
gone=$(comm -23 "$work/before" "$work/after" || true)
if [ -n "$left" ] || [ -n "$gone" ]; then
    echo "left behind:" >&2
    echo "$left" >&2
    echo "missing:" >&2
    echo "$gone" >&2
    fail "purging did not leave the root as it was"
fi
step "passed: install, upgrade from $current~previous, remove and purge on Debian 12"
