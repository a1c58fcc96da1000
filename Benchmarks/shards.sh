#!/usr/bin/env bash
# Shards (spec section 10): 3 replicas (`--shard I/3`) and one PostgreSQL (`storage: postgres`)
# sharing 30,000 components (tcp against a local nginx) at 10 s: per replica, the probes it
# ran, runs skipped, scheduler lag p99, storage writes and drops, and whether it lists all
# 30,000 (`/health/detailed?scope=all` and `/api/v1/components`, with how long the list took).
# A shorter DURATION is fine on a small machine; every process shares its cores.
source "$(dirname "$0")/lib.sh"
ensure_release_build
COMPONENTS=${COMPONENTS:-30000}
DURATION=${DURATION:-60}
REPLICAS=3
work=$(mktemp -d)
chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
cleanup() {
    for pid in ${VPIDS:-}; do kill "$pid" 2>/dev/null || true; done
    stop_nginx "$work/nginx"
    [ -d "$work/pg/data" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
nginx_port=$(free_port)
start_nginx "$work/nginx" "$nginx_port"

# A throwaway PostgreSQL on loopback, as the postgres user in a folder it owns.
pg_port=$(free_port)
mkdir -p "$work/pg" && chown postgres:postgres "$work/pg"
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -U postgres -A trust --no-sync >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -t 30 \
    -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >/dev/null
runuser -u postgres -- "$pgbin/psql" -q -h "$work/pg" -p "$pg_port" -U postgres -c "CREATE DATABASE vitals" >/dev/null

ports=()
VPIDS=""
for i in $(seq 0 $((REPLICAS - 1))); do
    port=$(free_port)
    ports+=("$port")
    {
        echo "server: { listen: \"127.0.0.1:$port\" }"
        echo "defaults: { interval: 10s, timeout: 2s, history: 20 }"
        echo "storage: { type: postgres, dsn: \"postgres://postgres@127.0.0.1:$pg_port/vitals?sslmode=disable\" }"
        echo "components:"
        for n in $(seq "$COMPONENTS"); do echo "  - { name: t$n, type: tcp, address: \"127.0.0.1:$nginx_port\" }"; done
    } > "$work/vitals-$i.yaml"
    SERVER_CPUS=${SERVER_CPUS_SCALE:-0-1} taskset -c "${SERVER_CPUS_SCALE:-0-1}" "$VITALS_BIN" run --shard "$i/$REPLICAS" --config "$work/vitals-$i.yaml" 2>"$work/vitals-$i.log" &
    VPIDS="$VPIDS $!"
done
for port in "${ports[@]}"; do wait_http "http://127.0.0.1:$port/health/live" 1200; done
pids=($VPIDS)
# The figures are over the measured window only: startup (three config parses and 30,000 first
# runs within 5 s on shared cores) is left out by taking the counters at its start.
sleep "${WARMUP:-15}"
c0=(); for pid in "${pids[@]}"; do c0+=("$(cpu_seconds "$pid")"); done
for i in $(seq 0 $((REPLICAS - 1))); do curl -s "http://127.0.0.1:${ports[$i]}/metrics" > "$work/metrics0-$i"; done
sleep "$DURATION"
for i in $(seq 0 $((REPLICAS - 1))); do
    port=${ports[$i]}
    c1=$(cpu_seconds "${pids[$i]}")
    curl -s "http://127.0.0.1:$port/metrics" > "$work/metrics-$i"
    curl -s "http://127.0.0.1:$port/health/detailed?scope=all" > "$work/detailed-$i"
    t0=$(date +%s.%N)
    curl -s "http://127.0.0.1:$port/api/v1/components" > "$work/components-$i"
    t1=$(date +%s.%N)
    python3 - "$i" "$work/metrics0-$i" "$work/metrics-$i" "$work/detailed-$i" "$work/components-$i" "$DURATION" "${c0[$i]}" "$c1" "$t0" "$t1" "$COMPONENTS" <<'PY'
import json, re, sys
i, before, metrics, detailed, components, duration, c0, c1, t0, t1, n = sys.argv[1:]
duration, n = float(duration), int(n)
def read(path):
    probes = skipped = 0
    buckets, storage = [], {}
    for line in open(path):
        if line.startswith("vitals_probe_runs_skipped_total{"): skipped += float(line.split()[-1])
        elif line.startswith("vitals_probes_total{"): probes += float(line.split()[-1])
        elif line.startswith("vitals_scheduler_lag_seconds_bucket"):
            le = re.search(r'le="([^"]+)"', line).group(1)
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
        elif line.startswith("vitals_storage_writes_total{"):
            storage[re.search(r'result="([^"]+)"', line).group(1)] = float(line.split()[-1])
    return probes, skipped, buckets, storage
p0, s0, b0, st0 = read(before)
probes, skipped, buckets, storage = read(metrics)
probes, skipped = probes - p0, skipped - s0
buckets = [(le, c - c0_) for (le, c), (_, c0_) in zip(buckets, b0)]
storage = {k: v - st0.get(k, 0) for k, v in storage.items()}
total = buckets[-1][1] if buckets else 0
p99 = next((le for le, c in buckets if c >= 0.99 * total), float("nan"))
d = json.load(open(detailed))["components"]
listed = json.load(open(components))["components"]
known = sum(1 for c in listed if c.get("status") != "unknown")
print(f"replica {i}/3: probes {probes:.0f} ({probes / duration:.0f}/s), skipped {skipped:.0f}, lag p99 <= {p99 * 1000:g} ms, "
      f"CPU {(float(c1) - float(c0)) / duration:.2f} cores, writes {storage.get('written', 0):.0f} written / {storage.get('dropped', 0):.0f} dropped / {storage.get('failed', 0):.0f} failed")
print(f"  lists {len(d)} of {n} in /health/detailed?scope=all, {len(listed)} in /api/v1/components ({known} with a known status) in {float(t1) - float(t0):.2f} s")
PY
done
rows=$(runuser -u postgres -- "$pgbin/psql" -qtA -h "$work/pg" -p "$pg_port" -U postgres vitals -c "SELECT count(*) FROM results")
size=$(runuser -u postgres -- "$pgbin/psql" -qtA -h "$work/pg" -p "$pg_port" -U postgres vitals -c "SELECT pg_database_size('vitals')")
echo "postgres: $rows results after ${DURATION} s, database $((size / 1024 / 1024)) MB"
