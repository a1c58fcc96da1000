#!/usr/bin/env bash
# Scale (spec section 10): 10,000 components (half http, half tcp, against a local nginx) at a
# 10 s interval, 1,000 probes/s, for at least two minutes on this machine's cores. Reports runs
# skipped, scheduler lag p50/p99 (from the histogram's buckets), probes run, CPU and peak RSS.
# Targets: no run skipped, lag p99 under 100 ms, RSS under 200 MB.
source "$(dirname "$0")/lib.sh"
ensure_release_build
COMPONENTS=${COMPONENTS:-10000}
# STORAGE=sqlite writes every result to a database in the work folder (spec section 10: the same
# figures, at most 1.3x the CPU of memory storage in the same run).
STORAGE=${STORAGE:-memory}
DURATION=${DURATION:-130}
# WINDOWED=1 gives every component a success_rate and a latency_p95 threshold over 5m (a window
# of 31 results each): their memory and the percentile work on every result.
windowed=""
if [ -n "${WINDOWED:-}" ]; then
    windowed=", thresholds: { success_rate: { window: 5m, degraded: 99 }, latency_p95: { window: 5m, degraded: 250ms } }"
fi
work=$(mktemp -d)
trap 'stop_nginx "$work/nginx"; [ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null; rm -rf "$work"' EXIT
nginx_port=$(free_port)
start_nginx "$work/nginx" "$nginx_port"
vport=$(free_port)
{
    echo "server: { listen: \"127.0.0.1:$vport\" }"
    echo "defaults: { interval: 10s, timeout: 2s, history: 20 }"
    if [ "$STORAGE" = sqlite ]; then echo "storage: { type: sqlite, path: \"$work/state.db\" }"; fi
    echo "components:"
    for i in $(seq "$COMPONENTS"); do
        if (( i % 2 )); then
            echo "  - { name: h$i, type: http, url: \"http://127.0.0.1:$nginx_port/static.txt\"$windowed }"
        else
            echo "  - { name: t$i, type: tcp, address: \"127.0.0.1:$nginx_port\"$windowed }"
        fi
    done
} > "$work/vitals.yaml"
SERVER_CPUS=${SERVER_CPUS_SCALE:-0-1} start_vitals "$work/vitals.yaml" "$vport" 1200
c0=$(cpu_seconds "$VPID")
sleep "$DURATION"
c1=$(cpu_seconds "$VPID")
curl -s "http://127.0.0.1:$vport/metrics" > "$work/metrics"
rss=$(awk '/VmHWM/ {print $2}' "/proc/$VPID/status")
if [ "$STORAGE" = sqlite ]; then
    db_bytes=$(du -cb "$work"/state.db* | tail -1 | cut -f1)
    writes=$(awk '/^vitals_storage_writes_total\{result="written"\}/ {print $2}' "$work/metrics")
    dropped=$(awk '/^vitals_storage_writes_total\{result="dropped"\}/ {print $2}' "$work/metrics")
    lag=$(awk '/^vitals_storage_write_lag_seconds / {print $2}' "$work/metrics")
    echo "storage sqlite: ${writes:-0} writes, ${dropped:-0} dropped, last write lag ${lag:-?} s, database $((db_bytes / 1024 / 1024)) MB after ${DURATION} s"
    # At the default retention (7 days of raw results at 10 s), from the bytes per result here.
    python3 -c "b, w, n = $db_bytes, max(1, ${writes:-1}), $COMPONENTS; per = b / w; print(f'bytes per stored result: {per:.0f}; projected at retention 7d: {per * n / 10 * 7 * 86400 / 1e9:.0f} GB for {n} components at 10 s (1d: {per * n / 10 * 86400 / 1e9:.1f} GB)')"
fi
python3 - "$work/metrics" "$c0" "$c1" "$DURATION" "$rss" "$COMPONENTS" <<'PY'
import sys, re
path, c0, c1, duration, rss, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
skipped = probes = failures = 0
buckets = []
for line in open(path):
    if line.startswith("vitals_probe_runs_skipped_total{"): skipped += float(line.split()[-1])
    elif line.startswith("vitals_probes_total{"):
        probes += float(line.split()[-1])
        if 'result="failure"' in line: failures += float(line.split()[-1])
    elif line.startswith("vitals_scheduler_lag_seconds_bucket"):
        le = re.search(r'le="([^"]+)"', line).group(1)
        buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
total = buckets[-1][1]
def q(p):
    for le, c in buckets:
        if c >= p * total: return le
print(f"components: {n}, {duration:.0f} s, probes run: {probes:.0f} ({probes / duration:.0f}/s), failures: {failures:.0f}")
print(f"runs skipped: {skipped:.0f} (target 0)")
print("lag buckets:", " ".join(f"{le:g}:{c:.0f}" for le, c in buckets))
print(f"scheduler lag: p50 <= {q(0.5) * 1000:g} ms, p99 <= {q(0.99) * 1000:g} ms (bucket bounds; target p99 < 100 ms)")
print(f"CPU: {(c1 - c0) / duration * 100:.0f}% of one core ({(c1 - c0) / duration:.2f} cores), peak RSS {rss / 1024:.0f} MB (target < 200 MB)")
PY
