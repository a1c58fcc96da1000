#!/usr/bin/env bash
# Pushes per second into one daemon with SQLite (spec section 17: 2,000 pushes/s, p99 under
# 10 ms, no lost push): COMPONENTS push components, each pushed every COMPONENTS/RATE seconds
# (above the one-a-second limit) by a load generator at a fixed RATE over WORKERS keep-alive
# connections, for BENCH_SECONDS. Prints the answers by status, the latency percentiles, the
# daemon's CPU, and the pushes the database holds after a clean stop against those answered
# 200 (lost = answered 200 but not stored). VITALS=path overrides the binary.
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh
VITALS_BIN=${VITALS:-$VITALS_BIN}
ensure_release_build
RATE=${RATE:-2000}
COMPONENTS=${COMPONENTS:-4000}
WORKERS=${WORKERS:-16}
SECONDS_RUN=${BENCH_SECONDS:-20}
TOKEN=bench-push-token-0123456789
work=$(mktemp -d)
trap '[ -n "${VPID:-}" ] && kill -TERM "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null; rm -rf "$work"' EXIT
port=$(free_port)
printf '%s\n' "$TOKEN" > "$work/token"
{
    echo "server: { listen: \"127.0.0.1:$port\" }"
    echo "storage: { type: sqlite, path: \"$work/state.db\" }"
    echo "components:"
    for i in $(seq "$COMPONENTS"); do echo "  - { name: p$i, type: push, interval: 1h, token_file: \"$work/token\" }"; done
} > "$work/vitals.yaml"
start_vitals "$work/vitals.yaml" "$port"
wait_startup "$port" "$work/vitals.yaml"
cpu_before=$(cpu_seconds "$VPID")

# Each worker takes every WORKERS-th push of an evenly spaced schedule; latency from the planned
# start, so a server that falls behind shows it (no coordinated omission).
taskset -c "$LOAD_CPUS" python3 - "$port" "$RATE" "$SECONDS_RUN" "$WORKERS" "$COMPONENTS" "$TOKEN" > "$work/load.txt" <<'PY'
import http.client, sys, threading, time
port, rate, seconds, workers, components, token = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
total = int(rate * seconds)
start = time.monotonic() + 0.5
lat, codes, lock = [], {}, threading.Lock()
def work(w):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    mine, counts = [], {}
    for n in range(w, total, workers):
        due = start + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        c.request("POST", f"/api/v1/push/p{n % components + 1}", body=f"msg=bench-{n}&duration=15ms",
                  headers={"Authorization": "Bearer " + token, "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        mine.append(time.monotonic() - due)
        counts[r.status] = counts.get(r.status, 0) + 1
    with lock:
        lat.extend(mine)
        for k, v in counts.items():
            codes[k] = codes.get(k, 0) + v
threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
for t in threads: t.start()
for t in threads: t.join()
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
elapsed = time.monotonic() - start
print(f"sent {total} in {elapsed:.1f}s ({total / elapsed:.0f}/s); answers {dict(sorted(codes.items()))}")
print(f"latency ms: p50 {pct(0.5):.2f} p99 {pct(0.99):.2f} p999 {pct(0.999):.2f} max {lat[-1] * 1000:.2f}")
print(f"ok {codes.get(200, 0)}")
PY
cpu_after=$(cpu_seconds "$VPID")
cat "$work/load.txt"
ok=$(awk '$1 == "ok" {print $2}' "$work/load.txt")
kill -TERM "$VPID"
wait "$VPID" 2>/dev/null || true
VPID=
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM results WHERE message LIKE 'bench-%'\").fetchone()[0])" "$work/state.db")
echo "daemon CPU: $(python3 -c "print(f'{$cpu_after - $cpu_before:.2f}')") s over the run ($(python3 -c "print(f'{($cpu_after - $cpu_before) / $SECONDS_RUN * 100:.0f}')")% of a core)"
echo "stored $stored of $ok pushes answered 200: lost $((ok - stored))"
echo "vitals log: $(grep -cE 'level=(warning|error)' "$work/vitals.yaml.log" || true) warnings or errors"
echo "server on CPU $SERVER_CPUS, load on CPU $LOAD_CPUS; $COMPONENTS push components, $RATE pushes/s, $WORKERS connections"
