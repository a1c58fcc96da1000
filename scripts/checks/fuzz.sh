#!/usr/bin/env bash
# Builds the libFuzzer targets (Tests/Fuzz/*) with -sanitize=fuzzer,address and runs each for
# SECONDS (default 60), starting from its seed corpus in Tests/Fuzz/corpus/NAME. What a run
# adds to the corpus stays in a temporary folder; a crash, a leak or a timeout is written to
# .build/fuzz/findings/ and fails the script.
#   scripts/checks/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzConfig FuzzPerfdata FuzzRedisReply FuzzRequestHead FuzzDNSReply)

export VITALS_FUZZ=1
# Swift's own crash backtracer would wait on a crashing input; libFuzzer reports it instead.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
build=(swift build --build-path .build/fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xswiftc -use-ld=lld)
bin=$("${build[@]}" --show-bin-path)
failed=0
# A target that does not build fails the script: its binary from an earlier build must not be
# fuzzed in its place, so it is removed first and a failed build is never run.
unbuilt=()
for t in "${targets[@]}"; do
    rm -f "$bin/$t"
    if out=$("${build[@]}" --product "$t" 2>&1); then
        grep -E "warning: unre" <<<"$out" || true
    else
        failed=1
        unbuilt+=("$t")
        echo "fuzz: $t FAILED TO BUILD:" >&2
        { grep -E "error" <<<"$out" || tail -20 <<<"$out"; } | head -30 >&2
    fi
done

findings=.build/fuzz/findings
mkdir -p "$findings"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    [[ " ${unbuilt[*]} " == *" $t "* ]] && continue
    [ -x "$bin/$t" ] || { echo "fuzz: $t did not build" >&2; failed=1; continue; }
    mkdir -p "$work/$t"
    cp Tests/Fuzz/corpus/"$t"/* "$work/$t/"
    # Inputs up to 64 KiB; an input that takes over 10 s is a hang. Leak checking is off: the
    # Swift runtime keeps caches LeakSanitizer reports at exit (Benchmarks/soak.sh measures
    # growth instead).
    if "$bin/$t" "$work/$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 \
        -artifact_prefix="$findings/$t-" -print_final_stats=1 >"$work/$t.log" 2>&1; then
        runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$work/$t.log" | grep -Eo '[0-9]+$' || echo "?")
        echo "fuzz: $t ok, $runs inputs in ${seconds}s, corpus $(ls "$work/$t" | wc -l) inputs"
    else
        failed=1
        echo "fuzz: $t FOUND A PROBLEM (input saved under $findings/):" >&2
        grep -E "ERROR|SUMMARY|Fatal error|panic|deadly signal" "$work/$t.log" | head -20 >&2
        tail -5 "$work/$t.log" >&2
    fi
done
exit $failed
