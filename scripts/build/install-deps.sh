#!/usr/bin/env bash
# Installs the Debian packages Vitals builds and tests with, when they are missing.
# As root it runs apt-get; otherwise it names what is missing and fails.
#   scripts/build/install-deps.sh build   # libraries the build links
#   scripts/build/install-deps.sh test    # plus the servers and tools the tests start
#   scripts/build/install-deps.sh bench   # plus blackbox_exporter, the reference of http-probe-cpu
set -euo pipefail

# The one list of what the build links: deploy/Containerfile's build stage runs this script, and
# scripts/checks/check-image.sh checks that its -dev packages are the ones Package.swift names.
build_pkgs=(libcurl4-openssl-dev libpq-dev libhiredis-dev libmariadb-dev libsqlite3-dev pkg-config libc-ares-dev)
test_pkgs=(postgresql redis-server nginx-light prometheus prometheus-alertmanager monitoring-plugins-basic openssl curl wrk python3
           python3-pip systemd util-linux iproute2 dnsmasq-base chromium)
test_pkgs+=(prometheus-pushgateway)
# The mysql probe's tests: a MariaDB primary, its replica and a cut-off replica (test-env.sh).
test_pkgs+=(mariadb-server mariadb-client)
# The email notifier's test SMTP servers (scripts/test-servers/test-smtp.py runs on /usr/bin/python3).
test_pkgs+=(python3-aiosmtpd)
# scripts/checks/check-image.sh: the bare Debian root the image and the tarball are run in.
test_pkgs+=(mmdebstrap)
# scripts/checks/check-deploy.sh: Kubernetes' schemas (shipped inside kubernetes-validate, offline) and
# the Compose specification's schema (vendored in check-jsonschema).
pip_pkgs=(kubernetes-validate==1.37.0 check-jsonschema==0.39.0 pyyaml)
# The grpc probe's tests: a real grpc.health.v1 server (scripts/test-servers/grpc-health-server.py).
pip_pkgs+=(grpcio==1.85.3 grpcio-health-checking==1.85.1)
# scripts/checks/api-check.sh: the OpenAPI document's validator, and schemathesis to test the API by it.
pip_pkgs+=(openapi-spec-validator==0.9.0 schemathesis==4.32.5)
# The status page's layout test reads scrollWidth from Chromium over DevTools (Fixtures/page_width.py).
pip_pkgs+=(websocket-client==1.9.2)
# The Atom feeds are read by a real feed parser (IncidentDaemonTests).
pip_pkgs+=(feedparser==6.0.14)

# abuse.sh reads the results table of the daemon under attack with the sqlite3 shell.
bench_pkgs=(prometheus-blackbox-exporter sqlite3)

want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}")
[ "${1:-build}" = bench ] && want+=("${test_pkgs[@]}" "${bench_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
pip_missing=()
if [ "${1:-build}" = test ]; then
    python3 -c 'import kubernetes_validate, check_jsonschema, yaml, openapi_spec_validator, schemathesis' 2>/dev/null || pip_missing=("${pip_pkgs[@]}")
    python3 -c 'import grpc, grpc_health.v1.health' 2>/dev/null || pip_missing=("${pip_pkgs[@]}")
    python3 -c 'import websocket, feedparser' 2>/dev/null || pip_missing=("${pip_pkgs[@]}")
fi
[ ${#missing[@]} -eq 0 ] && [ ${#pip_missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]} ${pip_missing[*]} (run as root, or: sudo apt-get install ${missing[*]}; pip install ${pip_missing[*]})" >&2
    exit 1
fi
if [ ${#pip_missing[@]} -gt 0 ]; then
    echo "installing from PyPI: ${pip_missing[*]}" >&2
    # A Debian python3 marks itself externally managed (PEP 668); these are test tools only.
    python3 -m pip install -q --root-user-action=ignore "${pip_missing[@]}" 2>/dev/null \
        || python3 -m pip install -q --root-user-action=ignore --break-system-packages "${pip_missing[@]}"
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts some of these as system services on install; the tests start their own.
for svc in nginx redis-server postgresql mariadb prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter \
    prometheus-pushgateway; do
    (command -v systemctl >/dev/null && systemctl stop "$svc" 2>/dev/null) || service "$svc" stop >/dev/null 2>&1 || true
done
