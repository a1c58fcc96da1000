#!/usr/bin/env bash
# Footprint with the default config (spec section 10): time from exec to the first 200 from
# /health/live, and resident memory after 30 s of running. Targets: < 100 ms and < 30 MB.
source "$(dirname "$0")/lib.sh"
ensure_release_build
work=$(mktemp -d)
trap '[ -n "${vpid:-}" ] && kill "$vpid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(free_port)
sed "s/127.0.0.1:8080/127.0.0.1:$port/g" "$BENCH_ROOT/config/vitals.yaml" > "$work/vitals.yaml"
mkdir -p "$work/../probes" 2>/dev/null || true
cp "$BENCH_ROOT/probes/system.yaml" "$work/system.yaml"
sed -i 's|\.\./probes/system.yaml|system.yaml|' "$work/vitals.yaml"

start=$(date +%s%N)
"$VITALS_BIN" run --config "$work/vitals.yaml" 2>"$work/log" &
vpid=$!
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/live")" = 200 ]; do
    sleep 0.002
done
live_ms=$(( ($(date +%s%N) - start) / 1000000 ))
sleep "${SETTLE_SECONDS:-30}"
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$vpid/status")
echo "first /health/live 200 after: ${live_ms} ms (target < 100 ms)"
echo "RSS after ${SETTLE_SECONDS:-30}s with the default config: $((rss_kb / 1024)) MB (${rss_kb} kB; target < 30 MB)"
