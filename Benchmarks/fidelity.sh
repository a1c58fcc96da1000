#!/usr/bin/env bash
# Fidelity (spec section 10): the latency Vitals reports for a target that answers after a fixed
# 100 ms, against curl's own time_total for the same target in the same run. Target: medians
# within 0.3 ms.
source "$(dirname "$0")/lib.sh"
ensure_release_build
SAMPLES=${SAMPLES:-40}
work=$(mktemp -d)
trap '[ -n "${spid:-}" ] && kill "$spid" 2>/dev/null; [ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null; rm -rf "$work"' EXIT
port=$(free_port)
cat > "$work/slow.py" <<PY
import http.server, time, socketserver
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        time.sleep(0.1)
        self.send_response(200); self.send_header("Content-Length", "3"); self.end_headers(); self.wfile.write(b"ok\n")
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
S(("127.0.0.1", $port), H).serve_forever()
PY
python3 "$work/slow.py" & spid=$!
wait_http "http://127.0.0.1:$port/"
for _ in $(seq "$SAMPLES"); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/"; done > "$work/curl.txt"
vport=$(free_port)
printf 'server: { listen: "127.0.0.1:%s" }\ncomponents:\n  - { name: slow, type: http, url: "http://127.0.0.1:%s/", interval: 300ms, timeout: 250ms, history: %s }\n' \
    "$vport" "$port" "$SAMPLES" > "$work/vitals.yaml"
start_vitals "$work/vitals.yaml" "$vport"
sleep $(( SAMPLES * 3 / 10 + 2 ))
curl -s "http://127.0.0.1:$vport/health/detailed" > "$work/detailed.json"
python3 - "$work/curl.txt" "$work/detailed.json" <<'PY'
import sys, json, statistics
curl = [float(x) * 1000 for x in open(sys.argv[1]) if x.strip()]
hist = [h["latency_ms"] for h in json.load(open(sys.argv[2]))["components"][0]["history"]]
c, v = statistics.median(curl), statistics.median(hist)
print(f"curl time_total median: {c:.3f} ms over {len(curl)} requests")
print(f"vitals latency median:  {v:.3f} ms over {len(hist)} probes")
print(f"difference: {v - c:+.3f} ms (target within 0.3 ms)")
PY
