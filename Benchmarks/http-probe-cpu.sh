#!/usr/bin/env bash
# CPU per HTTP probe of a local nginx target: Vitals against Debian's blackbox_exporter doing the
# same probe through /probe, in one run. Target (spec section 10): Vitals at most 0.5x.
#
# Both run the same number of probes a second (PROBES): Vitals as PROBES components at a 1 s
# interval, blackbox_exporter as Prometheus drives it, /probe requests at a fixed rate over
# keep-alive connections (Benchmarks/fixed_rate.py). That is the ratio the target is about.
# For reference it also prints blackbox_exporter saturated by wrk (-c4, back to back): a busy Go
# runtime never parks a thread between requests, which no probe schedule looks like.
source "$(dirname "$0")/lib.sh"
ensure_release_build
command -v prometheus-blackbox-exporter >/dev/null || { echo "needs prometheus-blackbox-exporter" >&2; exit 1; }
SECONDS_PER_SIDE=${SECONDS_PER_SIDE:-20}
PROBES=${PROBES:-200}   # Vitals components, each probing once a second
work=$(mktemp -d)
trap 'stop_nginx "$work/nginx"; [ -n "${bpid:-}" ] && kill "$bpid" 2>/dev/null; [ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null; rm -rf "$work"' EXIT
nginx_port=$(free_port)
start_nginx "$work/nginx" "$nginx_port"
target="http://127.0.0.1:$nginx_port/static.txt"

# blackbox_exporter: the same GET, driven through /probe as Prometheus would.
bport=$(free_port)
printf 'modules:\n  http_2xx:\n    prober: http\n    timeout: 2s\n    http: { method: GET }\n' > "$work/bb.yml"
taskset -c "$SERVER_CPUS" prometheus-blackbox-exporter --config.file="$work/bb.yml" --web.listen-address="127.0.0.1:$bport" 2>/dev/null &
bpid=$!
wait_http "http://127.0.0.1:$bport/metrics"
probe_url="http://127.0.0.1:$bport/probe?module=http_2xx&target=$target"
b0=$(cpu_seconds "$bpid")
bprobes=$(taskset -c "$LOAD_CPUS" python3 "$BENCH_ROOT/Benchmarks/fixed_rate.py" "$probe_url" "$PROBES" "$SECONDS_PER_SIDE")
b1=$(cpu_seconds "$bpid")
s0=$(cpu_seconds "$bpid")
out=$(taskset -c "$LOAD_CPUS" wrk -t1 -c4 -d"${SECONDS_PER_SIDE}s" "$probe_url")
s1=$(cpu_seconds "$bpid")
sprobes=$(echo "$out" | awk '/requests in/ {print $1}')
kill "$bpid"; bpid=""

# Vitals: PROBES http components at a 1 s interval against the same file.
vport=$(free_port)
probe_config "$work/vitals.yaml" "$vport" "$PROBES" http "url: \"$target\""
read -r vcpu vprobes failures <<< "$(vitals_probe_cost "$work/vitals.yaml" "$vport")"

python3 - "$b0" "$b1" "$bprobes" "$s0" "$s1" "$sprobes" 0 "$vcpu" 0 "$vprobes" "$failures" "$PROBES" <<'PY'
import sys
b0, b1, bn, s0, s1, sn, v0, v1, n0, n1, fail, rate = map(float, sys.argv[1:])
b = (b1 - b0) / bn * 1e6
s = (s1 - s0) / sn * 1e6
v = (v1 - v0) / (n1 - n0) * 1e6
print(f"blackbox_exporter at {rate:.0f} probes/s: {bn:.0f} probes, {b1 - b0:.2f} CPU s, {b:.0f} us CPU per probe")
print(f"blackbox_exporter saturated (wrk -c4): {sn:.0f} probes, {s1 - s0:.2f} CPU s, {s:.0f} us CPU per probe")
print(f"vitals at {rate:.0f} probes/s: {n1 - n0:.0f} probes ({fail:.0f} failures in all), {v1 - v0:.2f} CPU s, {v:.0f} us CPU per probe")
print(f"ratio vitals/blackbox at the same rate: {v / b:.2f}x (target <= 0.5x)")
print(f"ratio vitals/blackbox saturated: {v / s:.2f}x")
PY
