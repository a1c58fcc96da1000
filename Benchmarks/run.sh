#!/usr/bin/env bash
# `make bench`: every benchmark of spec section 10, one after another, each with its reference
# measured in the same run (see each script's header). Long ones take their own DURATION.
set -euo pipefail
cd "$(dirname "$0")"
for b in footprint ready-throughput http-probe-cpu fidelity scale; do
    echo "== $b"
    "./$b.sh"
done
