#!/usr/bin/env bash
# Installs the Debian packages Vitals builds and tests with, when they are missing.
# As root it runs apt-get; otherwise it names what is missing and fails.
#   scripts/install-deps.sh build   # libraries the build links
#   scripts/install-deps.sh test    # plus the servers and tools the tests start
set -euo pipefail

build_pkgs=(libcurl4-openssl-dev libpq-dev libhiredis-dev pkg-config)
test_pkgs=(postgresql redis-server nginx-light prometheus prometheus-alertmanager monitoring-plugins-basic openssl curl wrk python3)

want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts some of these as system services on install; the tests start their own.
for svc in nginx redis-server postgresql prometheus prometheus-alertmanager prometheus-node-exporter; do
    (command -v systemctl >/dev/null && systemctl stop "$svc" 2>/dev/null) || service "$svc" stop >/dev/null 2>&1 || true
done
