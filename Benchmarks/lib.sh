# Shared helpers for the benchmark scripts: free ports, a throwaway nginx, a vitals process.
set -euo pipefail

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# On a small machine the load generator and the server fight for the same cores and the
# result is mostly scheduling noise: servers under test run on SERVER_CPUS, wrk on LOAD_CPUS.
SERVER_CPUS=${SERVER_CPUS:-0}
LOAD_CPUS=${LOAD_CPUS:-1}
VITALS_BIN="${VITALS_BIN:-$BENCH_ROOT/.build/release/vitals}"

# shellcheck source=scripts/lib/ports.sh
source "$BENCH_ROOT/scripts/lib/ports.sh"

# wait_http URL [tries]: polls until the URL answers with any HTTP status.
wait_http() {
    local url=$1 tries=${2:-200}
    for _ in $(seq "$tries"); do
        if curl -s -o /dev/null "$url"; then return 0; fi
        sleep 0.05
    done
    echo "no answer from $url" >&2
    return 1
}

# start_nginx DIR PORT: nginx serving DIR/www on 127.0.0.1:PORT, as the distribution tunes it
# (worker_processes auto), writing everything under DIR.
start_nginx() {
    local dir=$1 port=$2
    mkdir -p "$dir/www" "$dir/tmp"
    printf 'ok\n' > "$dir/www/static.txt"
    cat > "$dir/nginx.conf" <<CONF
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log;
user root;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
    uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$port;
        root $dir/www;
        location / { }
    }
}
CONF
    taskset -c "$SERVER_CPUS" nginx -c "$dir/nginx.conf" -p "$dir"
    wait_http "http://127.0.0.1:$port/static.txt"
}

stop_nginx() {
    local dir=$1
    [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
}

# The build that ships (scripts/build/build-release.sh), brought up to date (a no-op when nothing
# changed), so what is measured is what `make dist` and the image ship. A VITALS_BIN given from
# outside is measured as it is.
ensure_release_build() {
    if [ "$VITALS_BIN" = "$BENCH_ROOT/.build/release/vitals" ]; then
        (cd "$BENCH_ROOT" && scripts/build/build-release.sh >&2)
    fi
}

# wrk_run URL: prints "RPS P99_MS" from a wrk run with 64 connections.
wrk_run() {
    local url=$1 out
    out=$(taskset -c "$LOAD_CPUS" wrk -t2 -c64 -d"${BENCH_SECONDS:-10}"s --latency "$url")
    echo "$out" >&2
    local rps p99
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub("us","",v); v=v/1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v=v*1000}; print v}')
    echo "$rps $p99"
}

# cpu_seconds PID: user+system CPU the process has used so far.
cpu_seconds() {
    awk -v t="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print ($12 + $13) / t}' "/proc/$1/stat"
}

# metric_sum URL NAME: sum of all samples of a metric family (no labels filter) from /metrics.
metric_sum() {
    curl -s "$1/metrics" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $2} END {printf "%.0f\n", s}'
}

# create_schema CONFIG PORT: one short start of vitals, stopped with SIGTERM, so that it creates
# and versions the schema of the config's storage; a benchmark then fills the file.
create_schema() {
    start_vitals "$1" "$2"
    kill -TERM "$VPID"
    wait "$VPID" || true
    VPID=
}

# wait_startup PORT CONFIG: until /health/startup answers 200 (every component has a result), at
# most 30 s; fails with the log of CONFIG otherwise.
wait_startup() {
    local port=$1 config=$2
    for _ in $(seq 300); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/startup")" = 200 ] && return 0
        sleep 0.1
    done
    echo "vitals did not start (see log below)" >&2
    cat "$config.log" >&2
    return 1
}

# start_vitals CONFIG PORT: runs the release binary, waits for /health/live; sets VPID.
start_vitals() {
    taskset -c "${SERVER_CPUS}" "$VITALS_BIN" run --config "$1" 2>"$1.log" &
    VPID=$!
    wait_http "http://127.0.0.1:$2/health/live" "${3:-200}"
}

# vitals_probe_cost CONFIG PORT: runs Vitals on CONFIG (listening on PORT), lets it settle 2 s,
# then prints "CPU_SECONDS PROBES FAILURES" over SECONDS_PER_SIDE and stops it: the measure
# of the CPU-per-probe benchmarks.
vitals_probe_cost() {
    local config=$1 port=$2 v0 n0 v1 n1 failures
    start_vitals "$config" "$port"
    sleep 2
    v0=$(cpu_seconds "$VPID"); n0=$(metric_sum "http://127.0.0.1:$port" vitals_probes_total)
    sleep "$SECONDS_PER_SIDE"
    v1=$(cpu_seconds "$VPID"); n1=$(metric_sum "http://127.0.0.1:$port" vitals_probes_total)
    failures=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^vitals_probes_total/ && /result="failure"/ {s += $2} END {print s + 0}')
    kill "$VPID"; wait "$VPID" 2>/dev/null || true; VPID=""
    echo "$(awk -v a="$v0" -v b="$v1" 'BEGIN {print b - a}') $((n1 - n0)) $failures"
}

# probe_config FILE PORT COUNT KIND SETTINGS: a config of COUNT components of type KIND, each
# with the same SETTINGS (`url: "..."`), probed every second with a 500 ms timeout: the shape the
# CPU-per-probe benchmarks measure.
probe_config() {
    local file=$1 port=$2 count=$3 kind=$4 settings=$5
    {
        echo "server: { listen: \"127.0.0.1:$port\" }"
        echo "defaults: { interval: 1s, timeout: 500ms }"
        echo "components:"
        for i in $(seq "$count"); do echo "  - { name: $kind$i, type: $kind, $settings }"; done
    } > "$file"
}

# start_soak_targets DIR: nginx, the hostile targets (hung, reset, slow: hostile_targets.py) and
# a refused port for the soak mix; sets nginx_port, hostile (array), refused and HPID.
start_soak_targets() {
    local dir=$1
    nginx_port=$(free_port)
    start_nginx "$dir/nginx" "$nginx_port"
    python3 "$BENCH_ROOT/Benchmarks/hostile_targets.py" > "$dir/ports" &
    HPID=$!
    for _ in $(seq 100); do [ -f "$dir/ports" ] && [ "$(wc -l < "$dir/ports")" -ge 3 ] && break; sleep 0.05; done
    mapfile -t hostile < "$dir/ports"
    refused=$(free_port)  # nothing listens there
}

# soak_component I: the soak mix's component number I (two in five healthy, then refused,
# hung or reset, slow), as one line of a components list; needs start_soak_targets' variables.
soak_component() {
    local i=$1
    case $(( i % 5 )) in
        0|1) echo "  - { name: ok$i, type: http, url: \"http://127.0.0.1:$nginx_port/static.txt\" }" ;;
        2) echo "  - { name: refused$i, type: tcp, address: \"127.0.0.1:$refused\", critical: false }" ;;
        3) if (( i % 2 )); then echo "  - { name: hung$i, type: http, url: \"http://127.0.0.1:${hostile[0]}/\", critical: false }"
           else echo "  - { name: reset$i, type: http, url: \"http://127.0.0.1:${hostile[1]}/\", critical: false }"; fi ;;
        4) echo "  - { name: slow$i, type: http, url: \"http://127.0.0.1:${hostile[2]}/\", critical: false }" ;;
    esac
}
