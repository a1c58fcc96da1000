#!/usr/bin/env bash
# icmp at scale: COMPONENTS icmp components (half 127.0.0.1, half ::1; 3 requests 100 ms apart)
# probed at once by one `vitals check`, through each socket kind: wall time, CPU, and how many
# got all their replies. Raw sockets each see every echo reply the host receives unless their
# kernel filter drops the others' (EchoSocket), so this is where a missing filter shows: runs end
# "flooded". Needs root (it sets net.ipv4.ping_group_range for the unprivileged run, then puts it back).
# Not in run.sh: spec section 10 sets no target for it.
source "$(dirname "$0")/lib.sh"
ensure_release_build
COMPONENTS=${COMPONENTS:-1000}
work=$(mktemp -d)
range=/proc/sys/net/ipv4/ping_group_range
old_range=$(cat "$range")
trap 'echo "$old_range" > "$range"; rm -rf "$work"' EXIT
{
    echo "components:"
    for i in $(seq "$COMPONENTS"); do
        host=127.0.0.1; [ $((i % 2)) = 0 ] && host='"::1"'
        echo "  - { name: p$i, type: icmp, host: $host, count: 3, packet_interval: 100ms }"
    done
} > "$work/vitals.yaml"
for kind in unprivileged raw; do
    if [ "$kind" = unprivileged ]; then echo "0 2147483647" > "$range"; else echo "1 0" > "$range"; fi
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$VITALS_BIN" check --config "$work/vitals.yaml" > "$work/out" || true
    read -r wall user sys < "$work/time"
    complete=$(grep -c "3/3 replies" "$work/out" || true)
    echo "$kind: $COMPONENTS components, wall ${wall}s, cpu user ${user}s sys ${sys}s, $complete with 3/3 replies"
done
