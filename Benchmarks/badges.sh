#!/usr/bin/env bash
# Badges per second, against /health/live (the cheapest endpoint) in the same run: wrk, 64
# connections, loopback, the server on SERVER_CPUS and wrk on LOAD_CPUS. The database is made by
# vitals itself, then given 30 days of hourly and daily roll-ups per component (what the
# uptime and latency badges read), and vitals is started on it. Badges are answered off the
# event loop (a task each, a storage read for uptime and latency), so the ratio says what that
# costs against an answer from cached bytes. VITALS=path overrides the binary; COMPONENTS tunes it.
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
VITALS_BIN=${VITALS:-$VITALS_BIN}
ensure_release_build
COMPONENTS=${COMPONENTS:-10}
work=$(mktemp -d)
trap '[ -n "${VPID:-}" ] && kill -TERM "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null; rm -rf "$work"' EXIT
port=$(free_port)
{
    echo "server: { listen: \"127.0.0.1:$port\" }"
    echo "defaults: { interval: 10s, timeout: 2s }"
    echo "storage: { type: sqlite, path: \"$work/state.db\" }"
    echo "components:"
    for i in $(seq "$COMPONENTS"); do
        echo "  - { name: c$i, type: tcp, address: \"127.0.0.1:$port\", thresholds: { latency: { degraded: 100ms, unhealthy: 1s } } }"
    done
} > "$work/vitals.yaml"

# 1. vitals creates the schema; stop it before filling the file.
create_schema "$work/vitals.yaml" "$port"
# 2. Thirty days of roll-ups per component (a result every 10 s, 99.5% of the time up).
python3 - "$work/state.db" "$COMPONENTS" <<'PY'
import random, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
assert db.execute("SELECT max(version) FROM vitals_schema").fetchone()[0] >= 1, "no schema"
now, n, rng = time.time(), int(sys.argv[2]), random.Random(1)
columns = [r[1] for r in db.execute("PRAGMA table_info(rollups)")]
def rows():
    for c in range(1, n + 1):
        for period, size in (("hour", 3600), ("day", 86400)):
            start = (now // size) * size
            for k in range(30 * 86400 // size + 1):
                down = size * rng.uniform(0, 0.01)
                results = size // 10
                yield (f"c{c}", period, start - k * size, size - down, 0.0, down, 0.0, results, int(results * down / size),
                       0.0002, results * rng.uniform(0.0004, 0.002), 0.01)
with db:
    db.executemany(f"INSERT OR REPLACE INTO rollups ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows())
print("roll-ups in database:", db.execute("SELECT count(*) FROM rollups").fetchone()[0], "columns:", ", ".join(columns))
db.close()
PY

# 3. vitals on it, once every component has a result.
start_vitals "$work/vitals.yaml" "$port"
wait_startup "$port" "$work/vitals.yaml"
base="http://127.0.0.1:$port"
for path in badge/c1/status.svg badge/c1/uptime/30d.svg badge/c1/latency/30d.svg badge/c1/uptime/30d.json; do
    code=$(curl -s -o "$work/answer" -w '%{http_code}' "$base/$path")
    [ "$code" = 200 ] || { echo "FAIL /$path answered $code" >&2; exit 1; }
done
echo "uptime 30d: $(curl -s "$base/badge/c1/uptime/30d.json"); latency 30d: $(curl -s "$base/badge/c1/latency/30d.json")"

declare -A rps p99
for path in health/live badge/c1/status.svg badge/c1/uptime/30d.svg badge/c1/latency/30d.svg badge/c1/uptime/30d.json; do
    echo "== /$path" >&2
    read -r rps["$path"] p99["$path"] < <(wrk_run "$base/$path")
done
live=${rps[health/live]}
printf '\n%-28s %12s %10s %14s\n' "endpoint" "req/s" "p99 ms" "of /health/live"
for path in health/live badge/c1/status.svg badge/c1/uptime/30d.svg badge/c1/latency/30d.svg badge/c1/uptime/30d.json; do
    printf '%-28s %12s %10s %13sx\n' "/$path" "${rps[$path]}" "${p99[$path]}" "$(python3 -c "print(f'{${rps[$path]}/$live:.2f}')")"
done
echo "servers on CPU $SERVER_CPUS, wrk on CPU $LOAD_CPUS; $COMPONENTS components with 30 days of roll-ups"
echo "vitals log: $(grep -cE 'level=(warning|error)' "$work/vitals.yaml.log" || true) warnings or errors"
