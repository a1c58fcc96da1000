#!/usr/bin/env bash
# /health/ready throughput against an nginx serving a static file: same machine, same load
# generator (wrk, 64 connections, loopback), one run. Target (spec section 10): at least 0.7x
# nginx's requests per second, p99 under 2 ms.
source "$(dirname "$0")/lib.sh"

ensure_release_build
work=$(mktemp -d)
trap 'stop_nginx "$work/nginx"; [ -n "${vpid:-}" ] && kill "$vpid" 2>/dev/null; rm -rf "$work"' EXIT

nginx_port=$(free_port)
start_nginx "$work/nginx" "$nginx_port"

vitals_port=$(free_port)
cat > "$work/vitals.yaml" <<YAML
server:
  listen: "127.0.0.1:$vitals_port"
components:
  - name: nginx
    type: tcp
    address: "127.0.0.1:$nginx_port"
YAML
taskset -c "$SERVER_CPUS" "$VITALS_BIN" run --config "$work/vitals.yaml" 2>"$work/vitals.log" &
vpid=$!
for _ in $(seq 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$vitals_port/health/ready")" = 200 ] && break
    sleep 0.05
done

echo "== nginx static file" >&2
read -r n_rps n_p99 < <(wrk_run "http://127.0.0.1:$nginx_port/static.txt")
echo "== vitals /health/ready" >&2
read -r v_rps v_p99 < <(wrk_run "http://127.0.0.1:$vitals_port/health/ready")

ratio=$(python3 -c "print(f'{$v_rps/$n_rps:.2f}')")
printf '\n%-24s %12s %10s\n' "target" "req/s" "p99 ms"
printf '%-24s %12s %10s\n' "nginx static file" "$n_rps" "$n_p99"
printf '%-24s %12s %10s\n' "vitals /health/ready" "$v_rps" "$v_p99"
echo "ratio vitals/nginx: ${ratio}x (target >= 0.7x, p99 < 2 ms); servers on CPU $SERVER_CPUS, wrk on CPU $LOAD_CPUS"
