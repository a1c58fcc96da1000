#!/usr/bin/env bash
# Starts the test environment, runs the test suite with its addresses exported, and always
# stops it, whatever the tests do. Exits with the tests' status.
set -euo pipefail
cd "$(dirname "$0")/../.."

env_dir=$(mktemp -d /tmp/vitals-test-env.XXXXXX)
cleanup() { scripts/test-servers/test-env.sh stop "$env_dir" || true; }
trap cleanup EXIT INT TERM

scripts/test-servers/test-env.sh start "$env_dir"
# shellcheck disable=SC1091
source "$env_dir/env"

status=0
phase() { echo "run-tests: $1 took $((SECONDS - $2)) s"; }
t=$SECONDS
swift build --build-tests || status=$?
phase "build" $t
if [ $status -eq 0 ]; then
    # Serially: several tests assert timing (a hung dependency ends by its deadline plus a
    # slack), and on two cores they must not compete with the tests that spawn processes.
    t=$SECONDS
    swift test --skip-build --no-parallel || status=$?
    phase "swift test" $t
fi
# Everything under deploy/ (including the alert rules' unit tests), with the binary just built.
if [ $status -eq 0 ]; then
    swift build --product vitals || status=$?
fi
if [ $status -eq 0 ]; then
    scripts/checks/check-deploy.sh .build/debug/vitals || status=$?
fi
# README.md and docs/: every relative link and anchor leads somewhere, every documented config
# example passes `vitals validate`, the benchmark table is Benchmarks/index.tsv.
if [ $status -eq 0 ]; then
    scripts/checks/check-docs.py .build/debug/vitals || status=$?
fi
# The HTTP API against its OpenAPI document: schemathesis on a live daemon.
if [ $status -eq 0 ]; then
    t=$SECONDS
    scripts/checks/api-check.sh .build/debug/vitals || status=$?
    phase "api check" $t
fi
# Each libFuzzer target briefly, from its seed corpus (`make fuzz` runs them for longer).
if [ $status -eq 0 ]; then
    t=$SECONDS
    scripts/checks/fuzz.sh "${VITALS_TEST_FUZZ_SECONDS:-8}" || status=$?
    phase "fuzzing" $t
fi
# The one release build (scripts/build/build-release.sh: make run, make dist, the benchmarks and the
# image use it; optimized builds resolve C modules' declarations in their own way, so one can
# fail where the debug build passed), packed by make dist, and both the tarball and the
# image's runtime stage run in a bare Debian root of the image's packages.
if [ $status -eq 0 ]; then
    t=$SECONDS
    scripts/checks/check-image.sh || status=$?
    phase "release build, dist and image" $t
fi
echo "run-tests: everything took $SECONDS s"
exit $status
