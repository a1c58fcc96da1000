#!/usr/bin/env bash
# Storage (spec section 10): the scale case (10,000 components at 10 s) with `memory` and with
# `sqlite` storage, one after the other in the same run: skipped runs, lag, CPU, and the ratio
# of sqlite's CPU to memory's (target at most 1.3x), with the database's size and write lag.
set -euo pipefail
cd "$(dirname "$0")"
DURATION=${DURATION:-130}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for storage in memory sqlite; do
    echo "== $storage"
    STORAGE=$storage DURATION=$DURATION ./scale.sh | tee "$out/$storage"
done
python3 - "$out/memory" "$out/sqlite" <<'PY'
import re, sys
def cores(path):
    return float(re.search(r"\(([\d.]+) cores\)", open(path).read()).group(1))
m, s = cores(sys.argv[1]), cores(sys.argv[2])
print(f"CPU sqlite / memory: {s / m:.2f}x (target <= 1.3x)")
PY
