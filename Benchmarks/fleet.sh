#!/usr/bin/env bash
# Fleet failover (spec section 14): MEMBERS members (`fleet:`) and one PostgreSQL sharing
# COMPONENTS components at INTERVAL; KILLS times a member is killed with SIGKILL (and started
# again, so the fleet keeps its size). Per kill, from the stored results: the failover time
# (the longest time from the kill to a result of each of its components), components left
# probed again later than lease + interval after the kill, and other components left unprobed
# that long while theirs moved (must be 0), duplicate probes per component moved
# (results of one component closer together than half an interval), and over the whole run
# the membership statements per second. Then the same kills with `--shard I/MEMBERS`, each
# replica started again at once as a StatefulSet would: how long its share waits for it.
# The issue's size is 3 x 30,000 at 10 s with a 10 s lease; smaller runs are fine here:
#   COMPONENTS=3000 INTERVAL=2 LEASE=3 KILLS=5 Benchmarks/fleet.sh
source "$(dirname "$0")/lib.sh"
ensure_release_build
COMPONENTS=${COMPONENTS:-30000}
INTERVAL=${INTERVAL:-10}
LEASE=${LEASE:-10}
KILLS=${KILLS:-5}
MEMBERS=${MEMBERS:-3}
work=$(mktemp -d)
chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
declare -A PIDS PORTS
cleanup() {
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    [ -d "$work/pg/data" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

pg_port=$(free_port)
mkdir -p "$work/pg" && chown postgres:postgres "$work/pg"
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -U postgres -A trust --no-sync >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -t 30 \
    -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start >/dev/null
psql() { runuser -u postgres -- "$pgbin/psql" -qtA -h "$work/pg" -p "$pg_port" -U postgres "$@"; }

# config MODE DB PORT: one member's config.
config() {
    local mode=$1 db=$2 port=$3
    echo "server: { listen: \"127.0.0.1:$port\" }"
    echo "defaults: { interval: ${INTERVAL}s, timeout: 1s, history: 20 }"
    echo "storage: { type: postgres, dsn: \"postgres://postgres@127.0.0.1:$pg_port/$db?sslmode=disable\" }"
    [ "$mode" = fleet ] && echo "fleet: { lease: ${LEASE}s }"
    echo "components:"
    for n in $(seq "$COMPONENTS"); do echo "  - { name: t$n, type: memory }"; done
}

# start MODE DB I: starts member I (a new port each time; the same config file).
start() {
    local mode=$1 db=$2 i=$3 port
    port=$(free_port)
    config "$mode" "$db" "$port" > "$work/$db-$i.yaml"
    local args=(run --config "$work/$db-$i.yaml")
    [ "$mode" = shard ] && args+=(--shard "$i/$MEMBERS")
    "$VITALS_BIN" "${args[@]}" 2>>"$work/$db-$i.log" &
    PIDS[$i]=$!
    PORTS[$i]=$port
    wait_http "http://127.0.0.1:$port/health/live" 1200
}

# owned I: the components member I probes now (its own /health/detailed lists only those).
owned() {
    curl -s "http://127.0.0.1:${PORTS[$1]}/health/detailed" | python3 -c 'import json,sys; print("\n".join(c["name"] for c in json.load(sys.stdin)["components"]))'
}

# settled MODE: waits until the members' shares cover every component once, each non-empty.
settled() {
    for _ in $(seq 600); do
        local total=0 empty=0 n
        for i in $(seq 0 $((MEMBERS - 1))); do
            n=$(owned "$i" 2>/dev/null | grep -c . || true)
            total=$((total + n)); [ "$n" -gt 0 ] || empty=1
        done
        [ "$total" -eq "$COMPONENTS" ] && [ "$empty" -eq 0 ] && return 0
        sleep 0.2
    done
    echo "members did not settle" >&2; return 1
}

queries() {
    local sum=0 v
    for i in $(seq 0 $((MEMBERS - 1))); do
        v=$(curl -s "http://127.0.0.1:${PORTS[$i]}/metrics" | awk '/^vitals_fleet_membership_queries_total / {print $2}')
        sum=$(python3 -c "print($sum + ${v:-0})")
    done
    echo "$sum"
}

# run MODE: the kills, then the figures.
run() {
    local mode=$1 db=vitals_$1
    psql -c "CREATE DATABASE $db" >/dev/null
    for i in $(seq 0 $((MEMBERS - 1))); do start "$mode" "$db" "$i"; done
    settled
    sleep "$INTERVAL"
    # Membership statements in a quiet minute's part (no member restarting and resetting its counter).
    local q0 t0 q1 t1
    q0=$(queries); t0=$(date +%s.%N)
    sleep "${QUIET:-10}"
    q1=$(queries); t1=$(date +%s.%N)
    : > "$work/$mode-kills"
    for k in $(seq "$KILLS"); do
        local victim=$(( (k - 1) % MEMBERS ))
        owned "$victim" > "$work/$mode-victim"
        local killed
        killed=$(psql -d "$db" -c "SELECT extract(epoch FROM now())")
        kill -9 "${PIDS[$victim]}"
        wait "${PIDS[$victim]}" 2>/dev/null || true
        [ "$mode" = shard ] && start "$mode" "$db" "$victim"   # as a StatefulSet restarts the pod
        # Until every component of the victim has a result after the kill (bounded).
        local names; names=$(sed "s/.*/'&'/" "$work/$mode-victim" | paste -sd,)
        for _ in $(seq 600); do
            local got; got=$(psql -d "$db" -c "SELECT count(DISTINCT component) FROM results WHERE at > $killed AND component IN ($names)")
            [ "$got" -ge "$(grep -c . "$work/$mode-victim")" ] && break
            sleep 0.2
        done
        sleep "$INTERVAL"   # results after the move, for the gaps and duplicates across it
        psql -d "$db" -c "
            WITH v AS (SELECT unnest(ARRAY[$names]) AS c),
            first AS (SELECT c, (SELECT min(at) FROM results WHERE component = c AND at > $killed) AS at FROM v),
            gaps AS (SELECT component, at - lag(at) OVER (PARTITION BY component ORDER BY at) AS gap
                     FROM results WHERE at > $killed - 2 * $INTERVAL)
            SELECT (SELECT count(*) FROM v),
                   (SELECT coalesce(max(at - $killed), -1) FROM first),
                   (SELECT count(*) FROM first WHERE at IS NULL OR at - $killed > $LEASE + $INTERVAL)
                     + (SELECT count(DISTINCT component) FROM gaps WHERE component NOT IN (SELECT c FROM v) AND gap > $LEASE + $INTERVAL),
                   (SELECT count(*) FROM gaps WHERE component IN (SELECT c FROM v) AND gap < $INTERVAL / 2.0)" >> "$work/$mode-kills"
        [ "$mode" = fleet ] && start "$mode" "$db" "$victim"
        settled
    done
    python3 - "$mode" "$work/$mode-kills" "$q0" "$q1" "$t0" "$t1" "$LEASE" "$INTERVAL" <<'PY'
import statistics, sys
mode, path, q0, q1, t0, t1, lease, interval = sys.argv[1:]
rows = [list(map(float, l.split("|"))) for l in open(path) if l.strip()]
times = sorted(r[1] for r in rows)
moved = sum(r[0] for r in rows)
print(f"{mode}: {len(rows)} kills of one member, {moved / max(1, len(rows)):.0f} components each")
print(f"  failover (kill to the last of its components probed again): p50 {statistics.median(times):.2f} s, max {max(times):.2f} s"
      f" (lease {lease} s + interval {interval} s = {float(lease) + float(interval):g} s)")
print(f"  components probed again later than lease + interval after the kill, or others left unprobed that long: {sum(r[2] for r in rows):.0f} (over all kills)")
print(f"  duplicate probes per component moved: {sum(r[3] for r in rows) / max(1, moved):.3f}")
if mode == "fleet":
    print(f"  membership statements: {(float(q1) - float(q0)) / (float(t1) - float(t0)):.2f}/s for the whole fleet")
PY
    for i in $(seq 0 $((MEMBERS - 1))); do kill "${PIDS[$i]}" 2>/dev/null || true; wait "${PIDS[$i]}" 2>/dev/null || true; done
}

echo "$MEMBERS members x $COMPONENTS components at ${INTERVAL}s, lease ${LEASE}s, $KILLS kills ($VITALS_BIN)"
run fleet
run shard
