#!/usr/bin/env bash
# Abuse (issue 26): the attacks of the third hardening pass, all at once, for DURATION seconds
# (default 600) while COMPONENTS (default 2,000) components probe at 1 s with SQLite storage and
# `retention: 30s`:
#   - the soak mix: healthy (nginx), refused, hung, reset and slow targets;
#   - Redis components against a peer answering huge aggregates (Benchmarks/attacks/hostile_redis.py);
#   - exec and disk components beside them (they must never be skipped);
#   - ten clients pipelining requests without reading, from ten loopback addresses
#     (Benchmarks/attacks/pipeline_flood.py), for the whole run;
#   - another client asking /health/live once a second (its slowest answer is reported).
# Samples RSS, threads, open fds, VmPTE and the results table (rows, oldest row's age, file size)
# every SAMPLE seconds; prints the first sample after warm-up and the last, and whether each
# stayed flat.
source "$(dirname "$0")/lib.sh"
ensure_release_build
COMPONENTS=${COMPONENTS:-2000}
DURATION=${DURATION:-600}
SAMPLE=${SAMPLE:-10}
FLOOD_CLIENTS=${FLOOD_CLIENTS:-10}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
trap 'stop_nginx "$work/nginx"; for p in "${pids[@]}" ${VPID:-}; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
start_soak_targets "$work"
pids+=("$HPID")
redis_port=$(free_port)
python3 "$here/attacks/hostile_redis.py" "$redis_port" &
pids+=($!)
vport=$(free_port)
{
    echo "server: { listen: \"127.0.0.1:$vport\" }"
    echo "defaults: { interval: 1s, timeout: 500ms, history: 20 }"
    echo "storage: { type: sqlite, path: \"$work/state.db\", retention: 30s }"
    echo "components:"
    for i in $(seq "$COMPONENTS"); do
        # One in a hundred of the healthy places each: a Redis peer declaring huge arrays, an
        # exec plugin and a disk (these two must never be skipped beside it).
        case $(( i % 100 )) in
            0) echo "  - { name: bigredis$i, type: redis, address: \"127.0.0.1:$redis_port\", critical: false }" ;;
            1) echo "  - { name: exec$i, type: exec, command: [\"/bin/true\"] }" ;;
            5) echo "  - { name: disk$i, type: disk, path: \"$work\" }" ;;
            *) soak_component "$i" ;;
        esac
    done
} > "$work/vitals.yaml"
SERVER_CPUS=${SERVER_CPUS_SOAK:-0-1} start_vitals "$work/vitals.yaml" "$vport" 1200
echo "abuse: $COMPONENTS components at 1 s for ${DURATION}s, vitals pid $VPID" >&2

# The attackers, for the whole run.
python3 "$here/attacks/pipeline_flood.py" 127.0.0.1 "$vport" "$DURATION" "$FLOOD_CLIENTS" \
    $(for i in $(seq 2 $((FLOOD_CLIENTS + 1))); do echo "127.0.0.$i"; done) > "$work/flood.log" 2>&1 &
pids+=($!)
flood_pid=$!
python3 - "$vport" "$DURATION" > "$work/live.log" <<'PY' &
import http.client, sys, time
port, duration = int(sys.argv[1]), float(sys.argv[2])
worst, failed, n, end = 0.0, 0, 0, time.monotonic() + duration
while time.monotonic() < end:
    t = time.monotonic()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/health/live"); r = c.getresponse(); r.read(); c.close()
        if r.status != 200: failed += 1
    except Exception:
        failed += 1
    worst = max(worst, time.monotonic() - t); n += 1
    time.sleep(max(0.0, 1 - (time.monotonic() - t)))
print(f"{n} {failed} {worst * 1000:.0f}")
PY
pids+=($!)
live_pid=$!

sample() {  # elapsed rss_kb threads fds pte_kb rows oldest_s db_bytes
    local s=/proc/$VPID/status rows oldest
    read -r rows oldest < <(sqlite3 -separator ' ' "file:$work/state.db?mode=ro" \
        "SELECT count(*), coalesce(strftime('%s','now') - min(at), 0) FROM results" 2>/dev/null || echo "0 0")
    echo "$1 $(awk '/^VmRSS/ {print $2}' "$s") $(awk '/^Threads/ {print $2}' "$s") $(ls "/proc/$VPID/fd" | wc -l)" \
        "$(awk '/^VmPTE/ {print $2}' "$s") $rows ${oldest%.*} $(( $(stat -c %s "$work/state.db") + $(stat -c %s "$work/state.db-wal" 2>/dev/null || echo 0) ))"
}
: > "$work/samples"
elapsed=0
while [ "$elapsed" -lt "$DURATION" ]; do
    sleep "$SAMPLE"
    elapsed=$((elapsed + SAMPLE))
    kill -0 "$VPID" 2>/dev/null || { echo "abuse: vitals exited" >&2; tail -20 "$work/vitals.yaml.log" >&2; exit 1; }
    sample "$elapsed" >> "$work/samples"
done
wait "$live_pid" "$flood_pid" 2>/dev/null || true
skipped=$(metric_sum "http://127.0.0.1:$vport" vitals_probe_runs_skipped_total)
probes=$(metric_sum "http://127.0.0.1:$vport" vitals_probes_total)
redis_msg=$(curl -s "http://127.0.0.1:$vport/health/detailed" | python3 -c '
import json, sys
d = json.load(sys.stdin)
cs = d.get("components", {})
items = cs.items() if isinstance(cs, dict) else ((c.get("name"), c) for c in cs)
for name, c in items:
    if name and name.startswith("bigredis"):
        print(c.get("message", "")); break')
# Ten seconds after the flood ends, memory must be back.
sleep 10
after=$(sample "$((DURATION + 10))")
python3 - "$work/samples" "$DURATION" "$probes" "$skipped" "$(cat "$work/live.log")" "$after" "$redis_msg" "$work/flood.log" <<'PY'
import sys
path, duration, probes, skipped, live, after, redis = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
rows = [tuple(map(int, line.split())) for line in open(path)]
after = tuple(map(int, after.split()))
warm = max(60, duration // 5)
start = next((r for r in rows if r[0] >= warm), rows[0])
end = rows[-1]
n, failed, worst = (live.split() + ["?", "?", "?"])[:3]
print(f"abuse: {duration} s, {probes:.0f} probes ({probes / duration:.0f}/s), runs skipped {skipped:.0f}")
print(f"/health/live beside the flood: {n} requests, {failed} failed, slowest {worst} ms")
print(f"redis component against huge aggregates: {redis}")
print(open(sys.argv[8]).read().strip())
names = ("RSS MB", "threads", "open fds", "VmPTE KB", "result rows", "oldest row s", "db MB")
scale = (1024, 1, 1, 1, 1, 1, 1 << 20)
print(f"{'':14}{'at ' + str(start[0]) + ' s':>12}{'at ' + str(end[0]) + ' s':>12}{'10 s after':>12}")
for i, (name, k) in enumerate(zip(names, scale), start=1):
    print(f"{name:14}{start[i] / k:12.1f}{end[i] / k:12.1f}{after[i] / k:12.1f}")
PY
