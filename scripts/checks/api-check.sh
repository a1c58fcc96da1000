#!/usr/bin/env bash
# Checks the HTTP API against its own OpenAPI document, on a live daemon, offline:
#   scripts/checks/api-check.sh [VITALS_BINARY]     (default .build/debug/vitals)
# - starts Vitals with a token, sqlite storage in a temporary folder, an alert rule, and
#   components that pass and fail (TCP and HTTP against itself, a closed port, memory);
# - fetches /api/v1/openapi.json with the token (and checks it is refused without), and
#   validates it with openapi-spec-validator;
# - runs schemathesis over every operation with every check (status codes and content types
#   as documented, bodies and headers against their schemas, invalid input refused with a
#   4xx, valid input accepted, the token enforced, other methods 405, no 5xx), settings in
#   scripts/checks/api-check.toml. VITALS_API_CHECK_EXAMPLES (default 60) cases per operation and
#   phase, VITALS_API_CHECK_SEED (default 1) so that a failure reproduces: about 30 s here.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib/ports.sh
source scripts/lib/ports.sh
vitals=$(realpath "${1:-.build/debug/vitals}")
root=$(pwd)

missing=()
command -v curl >/dev/null || missing+=(curl)
for module in schemathesis openapi_spec_validator; do
    python3 -c "import $module" 2>/dev/null || missing+=("python module $module")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "api-check: missing ${missing[*]} (scripts/build/install-deps.sh test installs them)" >&2
    exit 1
fi
if [ ! -x "$vitals" ]; then
    echo "api-check: no vitals binary at $vitals (swift build first)" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/vitals-api-check.XXXXXX)
vpid=
cleanup() {
    if [ -n "$vpid" ]; then
        kill "$vpid" 2>/dev/null || true
        wait "$vpid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port=$(free_port)
base="http://127.0.0.1:$port"
token="api-check-$RANDOM$RANDOM"
printf '%s\n' "$token" > "$tmp/token"
# The push component's own token: scripts/checks/api-check.toml hands it to ?token= too.
printf '%s\n' "api-check-push-token-0001" > "$tmp/push-token"
# Component and group names are also in scripts/checks/api-check.toml.
cat > "$tmp/vitals.yaml" <<YAML
server:
  listen: "127.0.0.1:$port"
  detailed_token_file: "$tmp/token"
defaults: { interval: 300ms, timeout: 250ms, failure_threshold: 1 }
components:
  - name: orders-db
    type: tcp
    groups: [core]
    address: "127.0.0.1:$port"
    thresholds:
      latency: { degraded: 100ms, unhealthy: 1s }
  - { name: web, type: http, groups: [core], url: "$base/health/live" }
  - { name: closed, type: tcp, critical: false, address: "127.0.0.1:$(free_port)" }
  - { name: memory, type: memory }
  - { name: heartbeat, type: push, interval: 1h, token_file: "$tmp/push-token" }
notifiers:
  - { name: hook, type: webhook, url: "$base/hook" }
alerts:
  - { name: closed-down, on: closed, when: unhealthy, for: 0s, notify: [hook] }
storage:
  type: sqlite
  path: "$tmp/state.db"
YAML
"$vitals" run --config "$tmp/vitals.yaml" 2>"$tmp/vitals.log" &
vpid=$!
auth=(-H "Authorization: Bearer $token")
# Every component has a result and the alert has tried its webhook: every list has entries.
for _ in $(seq 100); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health/startup")" = 200 ] \
        && curl -s "${auth[@]}" "$base/alerts" | grep -q '"notifications":\[{'; then
        break
    fi
    sleep 0.1
done
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health/startup")" != 200 ]; then
    echo "api-check: the daemon did not start:" >&2
    cat "$tmp/vitals.log" >&2
    exit 1
fi

status=0
echo "== api-check: the document"
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/openapi.json")" != 401 ]; then
    echo "FAIL /api/v1/openapi.json answers without the token" >&2
    status=1
fi
curl -sf "${auth[@]}" "$base/api/v1/openapi.json" > "$tmp/openapi.json"
python3 -m openapi_spec_validator "$tmp/openapi.json" || status=1

echo "== api-check: schemathesis, ${VITALS_API_CHECK_EXAMPLES:-60} cases per operation and phase"
# From the temporary folder: schemathesis and Hypothesis keep caches in the working directory.
(cd "$tmp" && python3 -c 'import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())' \
    --no-color --config-file "$root/scripts/checks/api-check.toml" run "$tmp/openapi.json" --url "$base" "${auth[@]}" \
    --max-examples "${VITALS_API_CHECK_EXAMPLES:-60}" --seed "${VITALS_API_CHECK_SEED:-1}" --workers 1 \
    --generation-database none --request-timeout 10) || status=1

if ! kill -0 "$vpid" 2>/dev/null; then
    echo "FAIL the daemon died during the run:" >&2
    tail -20 "$tmp/vitals.log" >&2
    status=1
fi
exit $status
