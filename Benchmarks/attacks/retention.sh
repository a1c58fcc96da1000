#!/usr/bin/env bash
# Retention at scale (issue 26 item 3): 300 `memory` components probed every second into SQLite
# with `retention: 30s`. Every 10 s prints the results table's row count, the database file's
# size (main file and WAL), the oldest row's age as sqlite3 reads it, and what /metrics says
# (vitals_storage_database_bytes, vitals_storage_oldest_result_age_seconds). Once retention is
# reached (after about 40 s) rows and bytes stay flat and the oldest row stays under
# retention plus one pruning period (5 s).
#
#   Benchmarks/attacks/retention.sh [VITALS_BINARY] [SECONDS]   (defaults: the release build, 180)
#
# COMPONENTS and RETENTION override the shape. For Benchmarks/abuse.sh: runs beside other
# attacks, with its own daemon and its own file.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/../scripts/lib/ports.sh"
bin=${1:-$here/../.build/release/vitals}
seconds=${2:-180}
components=${COMPONENTS:-300}
retention=${RETENTION:-30s}
work=$(mktemp -d)
trap '[ -n "${vpid:-}" ] && kill "$vpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port=$(free_port)
db="$work/state.db"
{
    echo "server: { listen: \"127.0.0.1:$port\" }"
    echo "storage: { type: sqlite, path: \"$db\", retention: $retention }"
    echo "defaults: { interval: 1s, timeout: 500ms, history: 5 }"
    echo "components:"
    for i in $(seq "$components"); do echo "  - { name: m$i, type: memory, critical: false }"; done
} > "$work/vitals.yaml"
"$bin" run --config "$work/vitals.yaml" 2> "$work/vitals.log" &
vpid=$!
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$port/health/live" && break; sleep 0.05; done
echo "retention: $components components at 1 s, retention $retention, for ${seconds}s (vitals pid $vpid)"
printf '%6s %9s %12s %10s %10s %12s %10s\n' elapsed rows db_bytes wal_bytes oldest_s metric_bytes metric_age
start=$(date +%s)
while :; do
    sleep 10
    elapsed=$(( $(date +%s) - start ))
    read -r rows oldest < <(sqlite3 -separator ' ' "file:$db?mode=ro" \
        "SELECT count(*), coalesce(round(strftime('%s','now') - min(at), 1), 0) FROM results" 2>/dev/null || echo "? ?")
    metrics=$(curl -s "http://127.0.0.1:$port/metrics")
    mbytes=$(awk '$1 == "vitals_storage_database_bytes" {print $2}' <<< "$metrics")
    mage=$(awk '$1 == "vitals_storage_oldest_result_age_seconds" {print $2}' <<< "$metrics")
    printf '%6s %9s %12s %10s %10s %12s %10s\n' "$elapsed" "$rows" "$(stat -c %s "$db")" "$(stat -c %s "$db-wal" 2>/dev/null || echo 0)" \
        "$oldest" "${mbytes:-?}" "${mage:-?}"
    [ "$elapsed" -ge "$seconds" ] && break
done
grep -E 'storage (write|writes)' "$work/vitals.log" || true
