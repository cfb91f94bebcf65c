#!/bin/sh
# Outpost first boot: installs the provisioning bundle made by `outpostctl provision` and starts
# the agent. Run as root, once, on the gateway (a systemd unit or rc.local on the image can run
# it at every boot: it does nothing when no bundle is found).
#
#   first-boot.sh [BUNDLE]     BUNDLE: a folder or .tar.gz; default: the boot partition's
#                              outpost/ folder (/boot/firmware/outpost on Raspberry Pi OS,
#                              /boot/outpost on older images)
#
# It copies the key, certificates and agent.toml into /etc/outpost (owner root:outpost, the key
# 0640 so only the agent's user reads it), creates the outpost user (groups dialout and gpio)
# and /var/lib/outpost, removes the bundle from the boot partition (a FAT partition anyone with
# the SD card can read), then enables and starts outpost-agent.service.
# Environment for tests: OUTPOST_ROOT (a prefix for every path), OUTPOST_NO_SYSTEMD=1.
set -eu

root=${OUTPOST_ROOT:-}
bundle=${1:-}
if [ -z "$bundle" ]; then
    for candidate in "$root/boot/firmware/outpost" "$root/boot/outpost"; do
        if [ -d "$candidate" ]; then bundle=$candidate; break; fi
    done
fi
if [ -z "$bundle" ] || [ ! -e "$bundle" ]; then
    echo "first-boot: no bundle found; nothing to do"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
case "$bundle" in
    *.tar.gz|*.tgz) tar -xzf "$bundle" -C "$work"; source_dir="$work/outpost" ;;
    *) source_dir=$bundle ;;
esac
if [ ! -f "$source_dir/agent.toml" ]; then
    echo "first-boot: $bundle holds no agent.toml; is it an outpostctl bundle?" >&2
    exit 1
fi

if [ -z "$root" ] && ! id outpost >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/outpost --shell /usr/sbin/nologin outpost
    for group in dialout gpio; do
        if getent group "$group" >/dev/null; then usermod -a -G "$group" outpost; fi
    done
fi
owner=root:outpost
[ -n "$root" ] && owner=$(id -u):$(id -g)

install -d -m 0750 "$root/etc/outpost"
for file in "$source_dir"/*; do
    name=$(basename "$file")
    case "$name" in
        first-boot.sh) continue ;;
        *.key) mode=0640 ;;
        *) mode=0644 ;;
    esac
    install -m "$mode" "$file" "$root/etc/outpost/$name"
    chown "$owner" "$root/etc/outpost/$name" 2>/dev/null || true
done
chown "$owner" "$root/etc/outpost" 2>/dev/null || true
install -d -m 0750 "$root/var/lib/outpost"
chown "$owner" "$root/var/lib/outpost" 2>/dev/null || true

# The bundle holds the gateway's private key: it must not stay on the boot partition.
case "$bundle" in
    "$root"/boot/*) rm -rf "$bundle" ;;
esac

if [ "${OUTPOST_NO_SYSTEMD:-0}" != 1 ]; then
    systemctl daemon-reload
    systemctl enable --now outpost-agent.service
fi
echo "first-boot: installed $(grep -m1 '^id' "$root/etc/outpost/agent.toml") into $root/etc/outpost"
