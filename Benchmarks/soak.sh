#!/usr/bin/env bash
# Soak (issue 9): 2,000 components at a 1 s interval for DURATION seconds (default 600; run it
# for 3600 once) against a mix of targets: healthy (nginx), refused (a closed port), hung (never
# answers), reset (TCP RST on accept) and slow (answers after 300 ms). Samples RSS and open fds
# every SAMPLE seconds and prints whether each is flat: growth under 5 % from the end of
# warm-up (the first fifth, at least 60 s) to the end of the run.
source "$(dirname "$0")/lib.sh"
ensure_release_build
COMPONENTS=${COMPONENTS:-2000}
DURATION=${DURATION:-600}
SAMPLE=${SAMPLE:-10}
work=$(mktemp -d)
trap 'stop_nginx "$work/nginx"; [ -n "${HPID:-}" ] && kill "$HPID" 2>/dev/null; [ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null; rm -rf "$work"' EXIT
start_soak_targets "$work"
vport=$(free_port)
{
    echo "server: { listen: \"127.0.0.1:$vport\" }"
    echo "defaults: { interval: 1s, timeout: 500ms, history: 20 }"
    echo "components:"
    for i in $(seq "$COMPONENTS"); do soak_component "$i"; done
} > "$work/vitals.yaml"
SERVER_CPUS=${SERVER_CPUS_SOAK:-0-1} start_vitals "$work/vitals.yaml" "$vport" 1200
echo "soak: $COMPONENTS components at 1 s for ${DURATION}s, vitals pid $VPID" >&2
: > "$work/samples"
elapsed=0
while [ "$elapsed" -lt "$DURATION" ]; do
    sleep "$SAMPLE"
    elapsed=$((elapsed + SAMPLE))
    kill -0 "$VPID" 2>/dev/null || { echo "soak: vitals exited" >&2; tail -20 "$work/vitals.yaml.log" >&2; exit 1; }
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$VPID/status")
    fds=$(ls "/proc/$VPID/fd" | wc -l)
    echo "$elapsed $rss $fds" >> "$work/samples"
done
skipped=$(metric_sum "http://127.0.0.1:$vport" vitals_probe_runs_skipped_total)
probes=$(metric_sum "http://127.0.0.1:$vport" vitals_probes_total)
live=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$vport/health/live")
python3 - "$work/samples" "$DURATION" "$probes" "$skipped" "$live" <<'PY'
import sys
path, duration, probes, skipped, live = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rows = [tuple(map(int, line.split())) for line in open(path)]
warm = max(60, duration // 5)
after = [r for r in rows if r[0] > warm] or rows
head = after[: max(1, len(after) // 10)]
tail = after[-max(1, len(after) // 10):]
def growth(i):
    a = sum(r[i] for r in head) / len(head)
    b = sum(r[i] for r in tail) / len(tail)
    return a, b, (b - a) / a * 100 if a else 0.0
print(f"soak: {duration} s, {probes:.0f} probes ({probes / duration:.0f}/s), runs skipped {skipped:.0f}, /health/live {live}")
for name, i, unit, scale in (("RSS", 1, "MB", 1024), ("open fds", 2, "", 1)):
    a, b, g = growth(i)
    verdict = "flat" if g < 5 else "GROWING"
    print(f"{name}: {a / scale:.1f}{unit} after warm-up -> {b / scale:.1f}{unit} at the end ({g:+.1f} %): {verdict}")
    print(f"  samples: {' '.join(f'{r[i] / scale:.0f}' for r in rows[:: max(1, len(rows) // 20)])}")
PY
