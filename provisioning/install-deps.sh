#!/usr/bin/env bash
# Installs the system packages Outpost builds, tests and demos with; with `packaging`, also
# what `make package` and `make package-test` use (debhelper, lintian, debootstrap).
# Idempotent: packages already installed are left alone and apt is not
# touched at all when nothing is missing. Runs as root or through sudo.
set -euo pipefail

PACKAGES=(
    pkg-config
    libmosquitto-dev mosquitto mosquitto-clients
    libmodbus-dev
    libgpiod-dev
    libsqlite3-dev
    # The hub's PostgreSQL store: its tests start a private cluster (initdb, pg_ctl).
    postgresql postgresql-client
    libssl-dev
    socat
    python3 python3-venv
    # An independent check of the hub's signed documents.
    python3-cryptography
    openssl
    curl
    # The dashboard's libraries, served by the hub from where Debian puts them (no CDN).
    libjs-dygraphs libjs-leaflet
    # The real-browser test of the dashboard.
    chromium chromium-driver fonts-dejavu-core
    # promtool, a Prometheus client nobody here wrote, queries the hub's Prometheus API.
    prometheus
)

if [ "${1:-}" = "packaging" ]; then
    PACKAGES+=(debhelper dpkg-dev lintian debootstrap)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all system packages present"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run 'make deps' as root, or install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
