#!/usr/bin/env bash
# History reads (spec section 10): `GET /api/v1/components/NAME/history?limit=100` p99 under
# 10 ms with a week of results at 10 s in sqlite storage. The database is made by vitals itself
# (one short start, stopped with SIGTERM), then filled with a week of results per component
# (60,480 each, ending now) and their hourly and daily roll-ups, and vitals is started on it.
# A sequential keep-alive client times each request (history pages interleaved with
# /health/live, the cheapest endpoint, as the reference): p50/p99 of both and their ratio, plus
# the second page (next_cursor), a `since=` a day ago, an `until=` six days back, and, when wrk
# is installed, throughput. VITALS=path overrides the binary; COMPONENTS, REQUESTS tune it.
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
VITALS_BIN=${VITALS:-$VITALS_BIN}
ensure_release_build
COMPONENTS=${COMPONENTS:-10}
REQUESTS=${REQUESTS:-2000}
work=$(mktemp -d)
trap '[ -n "${VPID:-}" ] && kill -TERM "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null; rm -rf "$work"' EXIT
port=$(free_port)
{
    echo "server: { listen: \"127.0.0.1:$port\" }"
    echo "defaults: { interval: 10s, timeout: 2s, history: 120 }"
    echo "storage: { type: sqlite, path: \"$work/state.db\", retention: 8d }"
    echo "components:"
    for i in $(seq "$COMPONENTS"); do echo "  - { name: mem$i, type: memory }"; done
} > "$work/vitals.yaml"

# 1. vitals creates and versions the schema; stop it before filling the file.
create_schema "$work/vitals.yaml" "$port"
# 2. A week at 10 s per component, newest now, in one transaction; roll-ups from the same rows.
python3 - "$work/state.db" "$COMPONENTS" <<'PY'
import random, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
assert db.execute("SELECT max(version) FROM vitals_schema").fetchone()[0] >= 1, "no schema"
now, n, rng = time.time(), int(sys.argv[2]), random.Random(1)
def rows(name, offset):
    for i in range(60_480, 0, -1):
        r = rng.random()
        status = "healthy" if r < 0.97 else "degraded" if r < 0.995 else "unhealthy"
        pct = rng.uniform(5, 70)
        yield (name, now - offset - (i - 1) * 10.0, status, rng.uniform(0.00005, 0.0008),
               f"MemAvailable {pct:.1f}% of 15.6 GiB", f'{{"available_percent":{pct:.2f}}}')
with db:
    db.execute("DELETE FROM results"); db.execute("DELETE FROM rollups")
    for c in range(1, n + 1):
        db.executemany("INSERT INTO results (component, at, status, latency, message, observations) VALUES (?,?,?,?,?,?)",
                       rows(f"mem{c}", c * 0.37))
    for period, size in (("hour", 3600), ("day", 86400)):
        db.execute(f"""INSERT INTO rollups SELECT component, '{period}', CAST(at / {size} AS INTEGER) * {size}.0,
            10.0 * sum(status = 'healthy'), 10.0 * sum(status = 'degraded'), 10.0 * sum(status = 'unhealthy'), 0,
            count(*), sum(status = 'unhealthy'), min(latency), sum(latency), max(latency)
            FROM results GROUP BY component, CAST(at / {size} AS INTEGER)""")
plan = db.execute("EXPLAIN QUERY PLAN SELECT at, status, latency, message FROM results WHERE component = ? "
                  "AND at >= ? AND at <= ? ORDER BY at DESC LIMIT ?", ("mem1", 0, 1e308, 100)).fetchall()
print("query plan:", "; ".join(r[-1] for r in plan))
print("rows in database:", db.execute("SELECT count(*) FROM results").fetchone()[0],
      "results,", db.execute("SELECT count(*) FROM rollups").fetchone()[0], "roll-ups")
db.close()
PY
db_bytes=$(du -cb "$work"/state.db* | tail -1 | cut -f1)
echo "database file: $((db_bytes / 1024 / 1024)) MB ($db_bytes bytes)"

# 3. vitals on the full database, ready once every component has a fresh result.
start_vitals "$work/vitals.yaml" "$port" 600
wait_startup "$port" "$work/vitals.yaml"

# 4. Sequential keep-alive requests, history and live interleaved, on the load generator's cores.
taskset -c "$LOAD_CPUS" python3 - "$port" "$COMPONENTS" "$REQUESTS" <<'PY'
import http.client, json, sys, time
from datetime import datetime, timedelta, timezone
port, n, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
from timing import Client, pct
client = Client(port, timeout=10)
def get(path, key="h"): return client.get(path, key)
def page(path, want=100):
    _, body = get(path)
    doc = json.loads(body)
    if len(doc["results"]) != want: sys.exit(f"FAIL: {path} gave {len(doc['results'])} results, expected {want}")
    return doc
def iso(d): return (datetime.now(timezone.utc) - d).strftime("%Y-%m-%dT%H:%M:%SZ")
hist = lambda i, q="": f"/api/v1/components/mem{i % n + 1}/history?limit=100{q}"
first = page(hist(0))
second = page(hist(0, "&cursor=" + first["next_cursor"]))
if not second["results"][0]["at"] < first["results"][-1]["at"]: sys.exit("FAIL: second page does not follow the first")
day = page(hist(0, "&since=" + iso(timedelta(days=1))))
deep = page(hist(0, "&until=" + iso(timedelta(days=6))))
print(f"first page {first['results'][0]['at']} .. {first['results'][-1]['at']}; second {second['results'][0]['at']} .. "
      f"{second['results'][-1]['at']}; until 6 days ago from {deep['results'][0]['at']}")
for i in range(200): get(hist(i)); get("/health/live", "l")  # warm-up
h, l = [], []
for i in range(count):
    h.append(get(hist(i))[0]); l.append(get("/health/live", "l")[0])
others = {"second page (cursor)": "&cursor=" + first["next_cursor"], "since a day ago": "&since=" + iso(timedelta(days=1)),
          "until 6 days ago": "&until=" + iso(timedelta(days=6))}
timed = {k: [get(hist(0, q))[0] for _ in range(count // 4)] for k, q in others.items()}
print(f"history limit=100: p50 {pct(h, .5):.2f} ms, p99 {pct(h, .99):.2f} ms, max {max(h):.2f} ms ({count} requests over {n} components)")
print(f"/health/live:      p50 {pct(l, .5):.2f} ms, p99 {pct(l, .99):.2f} ms, max {max(l):.2f} ms")
for k, xs in timed.items(): print(f"history {k}: p50 {pct(xs, .5):.2f} ms, p99 {pct(xs, .99):.2f} ms ({len(xs)} requests)")
print(f"ratio history p99 / live p99: {pct(h, .99) / pct(l, .99):.1f}x")
print(f"answer size {len(get(hist(0))[1])} bytes; target p99 < 10 ms: {'met' if pct(h, .99) < 10 else 'NOT MET'}")
PY
if command -v wrk >/dev/null; then
    for path in "api/v1/components/mem1/history?limit=100" "health/live"; do
        out=$(taskset -c "$LOAD_CPUS" wrk -t1 -c4 -d"${BENCH_SECONDS:-10}"s --latency "http://127.0.0.1:$port/$path")
        echo "wrk -c4 /$path: $(echo "$out" | awk '/Requests\/sec/ {print $2}') requests/s, p99 $(echo "$out" | awk '$1=="99%" {print $2}')"
    done
fi
echo "vitals log: $(grep -cE 'level=(warning|error)' "$work/vitals.yaml.log" || true) warnings or errors"
grep -E 'level=(warning|error)' "$work/vitals.yaml.log" | head -5 || true
