#!/usr/bin/env bash
# Checks everything under deploy/ with the tools its users run, offline, and fails loudly:
#   scripts/checks/check-deploy.sh [VITALS_BINARY]     (default .build/debug/vitals)
# - Kubernetes manifests against Kubernetes' schemas (kubernetes-validate --strict, every minor
#   version from 1.28 to the newest it knows), then what
#   kubelet and Prometheus rely on beyond them (scripts/checks/deploycheck/kubernetes.py), their
#   ConfigMaps through `vitals validate`;
# - Prometheus: `promtool check config` on prometheus.yml and on scrape.yml made checkable,
#   the rules' unit tests (scripts/checks/test-alert-rules.sh);
# - (the container image runs in a bare Debian root with the release build: scripts/checks/check-image.sh)
# - the systemd unit: `systemd-analyze verify` silent, `security` exposure at most 2.5;
# - compose.yaml against the Compose specification's schema, and every file it mounts;
# - the Grafana dashboard: units, per-instance breakdown, then a real Prometheus scraping two
#   real Vitals replicas (SQLite storage, an alert rule held back by max_per_hour) and a real
#   Pushgateway that `vitals check --push-gateway` pushed to, with the shipped rules loaded,
#   every panel's PromQL run through its HTTP API and required to return data, every rule's
#   series required to exist and the rules this provokes to fire for the right subjects.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib/ports.sh
source scripts/lib/ports.sh
vitals=$(realpath "${1:-.build/debug/vitals}")
check="python3 scripts/checks/deploycheck"

missing=()
for tool in python3 promtool prometheus amtool systemd-analyze \
            openssl curl unshare nsenter setpriv ip; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
# Debian names the Pushgateway prometheus-pushgateway; upstream's binary is pushgateway.
pushgateway=$(command -v prometheus-pushgateway || command -v pushgateway || true)
[ -n "$pushgateway" ] || missing+=("prometheus-pushgateway")
# From PyPI, run as modules so no script folder needs to be on PATH.
for module in yaml kubernetes_validate check_jsonschema; do
    python3 -c "import $module" 2>/dev/null || missing+=("python module $module")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "check-deploy: missing ${missing[*]} (scripts/build/install-deps.sh test installs them)" >&2
    exit 1
fi
if [ ! -x "$vitals" ]; then
    echo "check-deploy: no vitals binary at $vitals (swift build first)" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/vitals-check-deploy.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
status=0
step() { echo "== check-deploy: $1"; }

step "Kubernetes manifests"
# Every minor version from 1.28 (the oldest still in use on managed clusters) to the newest
# kubernetes-validate ships: a field one version requires and another rejects shows here.
versions=$(python3 -c 'import kubernetes_validate.utils as u
print(" ".join(sorted({u.major_minor(v) for v in u.all_versions() if tuple(map(int, v.split(".")[:2])) >= (1, 28)}, key=lambda v: tuple(map(int, v.split("."))))))')
for version in $versions; do
    python3 -m kubernetes_validate --strict --quiet -k "$version" deploy/kubernetes/*.yaml || { echo "FAIL Kubernetes $version" >&2; status=1; }
done
echo "validated against Kubernetes $versions"
$check kubernetes "$vitals" || status=1

step "Prometheus configs and rules"
promtool check config deploy/prometheus/prometheus.yml || status=1
$check scrape-k8s "$tmp/scrape-checkable.yml" && promtool check config "$tmp/scrape-checkable.yml" || status=1
scripts/checks/test-alert-rules.sh || status=1

step "systemd unit"
systemd-analyze security --offline=yes --no-pager deploy/systemd/vitals.service | tail -1 || true
if ! systemd-analyze security --offline=yes --threshold=25 deploy/systemd/vitals.service >/dev/null 2>&1; then
    echo "FAIL deploy/systemd/vitals.service: exposure above 2.5" >&2
    status=1
fi

# Unknown keys and bad values are only warnings to systemd: any output fails. The unit's binary
# path is the built one here (verify wants it executable).
sed "s#/usr/local/bin/vitals#$vitals#g" deploy/systemd/vitals.service > "$tmp/vitals.service"
verify=$(systemd-analyze verify "$tmp/vitals.service" 2>&1) || true
if [ -n "$verify" ]; then
    echo "FAIL deploy/systemd/vitals.service: systemd-analyze verify: $verify" >&2
    status=1
fi

step "compose"
python3 -m check_jsonschema --builtin-schema vendor.compose-spec deploy/compose.yaml || status=1
$check compose "$vitals" || status=1

step "Grafana dashboard and rules against a real Prometheus"
$check dashboard || status=1
# A TLS endpoint for the certificate and HTTP-phase panels, a closed port for the failure ones.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/tls.key" -out "$tmp/tls.pem" -days 20 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
tls_port=$(free_port)
openssl s_server -quiet -accept "127.0.0.1:$tls_port" -cert "$tmp/tls.pem" -key "$tmp/tls.key" -www >"$tmp/tls.log" 2>&1 &
pids+=($!)
closed_port=$(free_port)
targets=()
for replica in 0 1; do
    port=$(free_port)
    cat > "$tmp/vitals-$replica.yaml" <<CONF
server:
  listen: "127.0.0.1:$port"
defaults:
  interval: 1s
  timeout: 500ms
  failure_threshold: 1
components:
  - name: tls-site
    type: http
    url: "https://127.0.0.1:$tls_port/"
    tls: { ca_file: "$tmp/tls.pem" }
  - name: closed-port
    type: tcp
    address: "127.0.0.1:$closed_port"
  - name: memory
    type: memory
  - name: root-disk
    type: disk
    path: /
storage:
  type: sqlite
  path: "$tmp/vitals-$replica.db"
alerts:
  - name: closed-port-down
    on: closed-port
    when: unhealthy
    for: 0s
    repeat: 1s                    # a repeat at every tick of the alert engine,
    max_per_hour: 1               # each held back: vitals_alerts_suppressed_total{reason="rate_limit"}
    notify: [nowhere]
notifiers:
  - name: nowhere
    type: webhook
    url: "http://127.0.0.1:$closed_port/hook"
    timeout: 1s
CONF
    "$vitals" run --config "$tmp/vitals-$replica.yaml" >"$tmp/vitals-$replica.log" 2>&1 &
    pids+=($!)
    targets+=("\"127.0.0.1:$port\"")
done
# Push mode as deploy/kubernetes/cronjob.yaml runs it: one check finding a critical component
# down (exit 2, the result pushed) to a Pushgateway scraped with honor_labels, as scrape.yml does.
push_port=$(free_port)
"$pushgateway" --web.listen-address="127.0.0.1:$push_port" >"$tmp/pushgateway.log" 2>&1 &
pids+=($!)
cat > "$tmp/push-check.yaml" <<CONF
components:
  - name: closed-port
    type: tcp
    address: "127.0.0.1:$closed_port"
    timeout: 1s
CONF
push_job=deploycheck-push
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$push_port/-/ready" >/dev/null && break; sleep 0.1; done
push_rc=0
"$vitals" check --config "$tmp/push-check.yaml" --push-gateway "http://127.0.0.1:$push_port" --job "$push_job" \
    >"$tmp/push-check.log" 2>&1 || push_rc=$?
if [ $push_rc -ne 2 ]; then
    echo "FAIL vitals check --push-gateway exited $push_rc, not 2 (unhealthy, pushed): $(cat "$tmp/push-check.log")" >&2
    status=1
fi
prom_port=$(free_port)
cat > "$tmp/prometheus.yml" <<CONF
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: ["$PWD/deploy/prometheus/rules.yml"]
scrape_configs:
  - job_name: vitals
    static_configs: [{ targets: [$(IFS=,; echo "${targets[*]}")] }]
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{ targets: ["127.0.0.1:$push_port"] }]
CONF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prometheus-data" \
    --web.listen-address="127.0.0.1:$prom_port" >"$tmp/prometheus.log" 2>&1 &
pids+=($!)
if ! $check dashboard-live "http://127.0.0.1:$prom_port" 2 90; then
    status=1
    tail -n 5 "$tmp"/prometheus.log "$tmp"/vitals-*.log >&2
fi
if ! $check rules-live "http://127.0.0.1:$prom_port" "$push_job" 60; then
    status=1
    tail -n 5 "$tmp"/prometheus.log "$tmp"/pushgateway.log "$tmp"/vitals-*.log >&2
fi

if [ $status -ne 0 ]; then
    echo "check-deploy: FAILED (see FAIL lines above)" >&2
else
    echo "check-deploy: every deploy/ check passed"
fi
exit $status
