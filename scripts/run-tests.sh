#!/usr/bin/env bash
# Starts the test environment, runs the test suite with its addresses exported, and always
# stops it, whatever the tests do. Exits with the tests' status.
set -euo pipefail
cd "$(dirname "$0")/.."

env_dir=$(mktemp -d /tmp/vitals-test-env.XXXXXX)
cleanup() { scripts/test-env.sh stop "$env_dir" || true; }
trap cleanup EXIT INT TERM

scripts/test-env.sh start "$env_dir"
# shellcheck disable=SC1091
source "$env_dir/env"

status=0
swift build --build-tests || status=$?
if [ $status -eq 0 ]; then
    # Serially: several tests assert timing (a hung dependency ends within 100 ms of its
    # deadline), and on two cores they must not compete with the tests that spawn processes.
    swift test --skip-build --no-parallel || status=$?
fi
# Everything under deploy/ (including the alert rules' unit tests), with the binary just built.
if [ $status -eq 0 ]; then
    swift build --product vitals || status=$?
fi
if [ $status -eq 0 ]; then
    scripts/check-deploy.sh .build/debug/vitals || status=$?
fi
# Each libFuzzer target briefly, from its seed corpus (`make fuzz` runs them for longer).
if [ $status -eq 0 ]; then
    scripts/fuzz.sh "${VITALS_TEST_FUZZ_SECONDS:-8}" || status=$?
fi
exit $status
