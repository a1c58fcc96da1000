#!/usr/bin/env bash
# `make bench`: the benchmarks Benchmarks/index.tsv marks `bench` (spec section 10's, each with
# its reference measured in the same run: see each script's header), one after another. The
# index is the one list of benchmarks: name, script, who runs it, what it measures, its target
# (docs/benchmarks.md shows it as a table, and scripts/checks/check-docs.py keeps the two equal).
#   Benchmarks/run.sh               # every row whose run_by is `bench`
#   Benchmarks/run.sh NAME...       # the named rows, whoever runs them otherwise
#   Benchmarks/run.sh --list        # name, run_by and target of every row
# Long ones take their own DURATION.
set -euo pipefail
cd "$(dirname "$0")"

names=() scripts=() run_bys=() targets=()
while IFS=$'\t' read -r name script run_by _measures target; do
    [ "$name" = name ] && continue   # the header
    [ -f "$script" ] || { echo "run.sh: index.tsv names $script, which does not exist" >&2; exit 2; }
    names+=("$name") scripts+=("$script") run_bys+=("$run_by") targets+=("$target")
done < index.tsv

if [ "${1:-}" = --list ]; then
    for i in "${!names[@]}"; do printf '%-18s %-14s %s\n' "${names[$i]}" "${run_bys[$i]}" "${targets[$i]}"; done
    exit 0
fi

selected=()
if [ $# -eq 0 ]; then
    for i in "${!names[@]}"; do [ "${run_bys[$i]}" = bench ] && selected+=("$i"); done
else
    for want in "$@"; do
        found=
        for i in "${!names[@]}"; do [ "${names[$i]}" = "$want" ] && found=$i; done
        [ -n "$found" ] || { echo "run.sh: no benchmark named $want in index.tsv (run.sh --list)" >&2; exit 2; }
        selected+=("$found")
    done
fi

for i in "${selected[@]}"; do
    echo "== ${names[$i]} (${scripts[$i]}; target: ${targets[$i]})"
    "./${scripts[$i]}"
done
