#!/usr/bin/env bash
# DNS probes (issue 14): COMPONENTS dns components (default 1,000) at a 1 s interval for
# DURATION seconds (default 60) against a local dnsmasq, a tenth of them asking a UDP port that
# never answers (each run ends at its 500 ms timeout). Reports probes run and failed, CPU per
# 1,000 probes, and the daemon's threads and open descriptors at the end of warm-up and at the
# end: c-ares runs on the socket poller, so neither may grow with the number of lookups.
source "$(dirname "$0")/lib.sh"
ensure_release_build
COMPONENTS=${COMPONENTS:-1000}
DURATION=${DURATION:-60}
work=$(mktemp -d)
trap '[ -f "$work/dnsmasq.pid" ] && kill "$(cat "$work/dnsmasq.pid")" 2>/dev/null; [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null; [ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null; rm -rf "$work"' EXIT
dns_port=$(free_port)
printf 'local=/bench.test/\nhost-record=api.bench.test,10.0.0.5,fd00::5\nmx-host=bench.test,mail.bench.test,10\n' > "$work/dnsmasq.conf"
taskset -c "$LOAD_CPUS" dnsmasq --port="$dns_port" --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
    --conf-file="$work/dnsmasq.conf" --pid-file="$work/dnsmasq.pid" --log-facility="$work/dnsmasq.log" --cache-size=0
# A UDP socket that reads nothing: every query to it waits for the probe's deadline.
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True); time.sleep(10**6)' > "$work/silent" &
SPID=$!
for _ in $(seq 100); do [ -s "$work/silent" ] && break; sleep 0.05; done
silent=$(cat "$work/silent")
vport=$(free_port)
{
    echo "server: { listen: \"127.0.0.1:$vport\" }"
    echo "defaults: { interval: 1s, timeout: 500ms, history: 20 }"
    echo "components:"
    for i in $(seq "$COMPONENTS"); do
        case $(( i % 10 )) in
            0) echo "  - { name: silent$i, type: dns, query: api.bench.test, server: \"127.0.0.1:$silent\", critical: false }" ;;
            1|2|3) echo "  - { name: mx$i, type: dns, query: bench.test, record: MX, server: \"127.0.0.1:$dns_port\" }" ;;
            4|5) echo "  - { name: aaaa$i, type: dns, query: api.bench.test, record: AAAA, server: \"127.0.0.1:$dns_port\" }" ;;
            *) echo "  - { name: a$i, type: dns, query: api.bench.test, server: \"127.0.0.1:$dns_port\" }" ;;
        esac
    done
} > "$work/vitals.yaml"
start_vitals "$work/vitals.yaml" "$vport" 600
threads() { ls "/proc/$VPID/task" | wc -l; }
fds() { ls "/proc/$VPID/fd" | wc -l; }
sleep 10
t0=$(threads); f0=$(fds); c0=$(cpu_seconds "$VPID"); p0=$(metric_sum "http://127.0.0.1:$vport" vitals_probes_total)
sleep "$DURATION"
t1=$(threads); f1=$(fds); c1=$(cpu_seconds "$VPID"); p1=$(metric_sum "http://127.0.0.1:$vport" vitals_probes_total)
failed=$(curl -s "http://127.0.0.1:$vport/metrics" | awk '/^vitals_probes_total\{/ && /result="failure"/ && !/silent/ {s += $2} END {print s + 0}')
timeouts=$(curl -s "http://127.0.0.1:$vport/metrics" | awk '/^vitals_probes_total\{/ && /result="failure"/ && /silent/ {s += $2} END {print s + 0}')
python3 - "$c0" "$c1" "$p0" "$p1" "$DURATION" "$COMPONENTS" <<'PY'
import sys
c0, c1, p0, p1, d, n = map(float, sys.argv[1:])
probes = p1 - p0
print(f"{n:.0f} dns components at 1 s: {probes / d:.0f} probes/s, CPU {100 * (c1 - c0) / d:.1f}% of a core, {1000 * (c1 - c0) / max(probes, 1):.3f} CPU s per 1,000 probes")
PY
echo "failures against dnsmasq (whole run): $failed; timeouts against the silent port: $timeouts"
echo "threads: $t0 -> $t1, open fds: $f0 -> $f1 (after warm-up -> after ${DURATION} s)"
