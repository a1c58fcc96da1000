#!/usr/bin/env bash
# CPU per grpc probe (grpc.health.v1.Health/Check in plain text, a fresh HTTP/2 connection each)
# against a local grpcio health server, next to CPU per http probe of a local nginx, in one run:
# the grpc probe is the http probe's engine with a framed body and trailers, so it should cost
# about the same. PROBES components of each kind at a 1 s interval, one kind after the other.
# Needs python3 with grpcio and grpcio-health-checking (scripts/build/install-deps.sh test).
source "$(dirname "$0")/lib.sh"
ensure_release_build
SECONDS_PER_SIDE=${SECONDS_PER_SIDE:-20}
PROBES=${PROBES:-200}
work=$(mktemp -d)
trap 'stop_nginx "$work/nginx"; [ -n "${gpid:-}" ] && kill "$gpid" 2>/dev/null; [ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null; rm -rf "$work"' EXIT

nginx_port=$(free_port)
start_nginx "$work/nginx" "$nginx_port"
# The health server wants a TLS port too; this run probes its plain one.
mkdir -p "$work/certs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/certs/server.key" -out "$work/certs/server.pem" -days 1 \
    -subj "/CN=localhost" 2>/dev/null
grpc_port=$(free_port); control=$(free_port)
taskset -c "$LOAD_CPUS" python3 "$BENCH_ROOT/scripts/test-servers/grpc-health-server.py" --plain "$grpc_port" --tls "$(free_port)" \
    --hostile "$(free_port)" --control "$control" --certs "$work/certs" 2>"$work/grpc.log" &
gpid=$!
wait_http "http://127.0.0.1:$control/" 400

# measure KIND SETTINGS: PROBES components of one kind; prints "CPU_SECONDS PROBES FAILURES".
measure() {
    local kind=$1 target=$2 port
    port=$(free_port)
    probe_config "$work/$kind.yaml" "$port" "$PROBES" "$kind" "$target"
    vitals_probe_cost "$work/$kind.yaml" "$port"
}

grpc=$(measure grpc "address: \"127.0.0.1:$grpc_port\"")
http=$(measure http "url: \"http://127.0.0.1:$nginx_port/static.txt\"")

python3 - "$PROBES" $grpc $http <<'PY'
import sys
rate, gc, gn, gf, hc, hn, hf = map(float, sys.argv[1:])
g = gc / gn * 1e6
h = hc / hn * 1e6
print(f"grpc at {rate:.0f} probes/s: {gn:.0f} probes ({gf:.0f} failures in all), {gc:.2f} CPU s, {g:.0f} us CPU per probe")
print(f"http at {rate:.0f} probes/s: {hn:.0f} probes ({hf:.0f} failures in all), {hc:.2f} CPU s, {h:.0f} us CPU per probe")
print(f"ratio grpc/http: {g / h:.2f}x")
PY
