#!/usr/bin/env bash
# The cost of conditions (issue 31): CPU per HTTP probe of the same local nginx JSON document,
# with no `expect` beyond the default status and with six conditions (a JSON path, len(), a
# header, the latency, a regex, the status), in one run, same rate. Prints both and the ratio.
source "$(dirname "$0")/lib.sh"
ensure_release_build
SECONDS_PER_SIDE=${SECONDS_PER_SIDE:-20}
PROBES=${PROBES:-200}   # components, each probing once a second
work=$(mktemp -d)
trap 'stop_nginx "$work/nginx"; [ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null; rm -rf "$work"' EXIT
nginx_port=$(free_port)
start_nginx "$work/nginx" "$nginx_port"
printf '{"status":"UP","version":"2.4.1","items":[{"id":1},{"id":2},{"id":3}]}\n' > "$work/nginx/www/items.json"
target="http://127.0.0.1:$nginx_port/items.json"
conditions='expect: { conditions: ["status == 200", "body.status == '"'UP'"'", "len(body.items) > 0", "header.server contains '"'nginx'"'", "latency < 500ms", "body.version matches '"'^2\\\\.'"'"] }'

# measure NAME SETTINGS: "US_CPU_PER_PROBE PROBES FAILURES" of PROBES http components.
measure() {
    local name=$1 settings=$2 vport cpu probes failures
    vport=$(free_port)
    probe_config "$work/$name.yaml" "$vport" "$PROBES" http "$settings"
    read -r cpu probes failures <<< "$(vitals_probe_cost "$work/$name.yaml" "$vport")"
    echo "$(awk -v c="$cpu" -v n="$probes" 'BEGIN {printf "%.1f", c / n * 1e6}') $probes $failures"
}

read -r plain plain_n plain_fail <<< "$(measure plain "url: \"$target\"")"
read -r cond cond_n cond_fail <<< "$(measure conditions "url: \"$target\", $conditions")"
echo "no conditions: $plain_n probes ($plain_fail failures), $plain us CPU per probe"
echo "six conditions: $cond_n probes ($cond_fail failures), $cond us CPU per probe"
python3 -c "import sys; print(f'ratio six conditions / none: {float(sys.argv[2]) / float(sys.argv[1]):.2f}x')" "$plain" "$cond"
