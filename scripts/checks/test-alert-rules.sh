#!/usr/bin/env bash
# Checks deploy/prometheus/rules.yml and runs its unit tests (rules.test.yml) with promtool
# (Debian: apt-get install prometheus). Fails on any error.
set -euo pipefail
cd "$(dirname "$0")/../../deploy/prometheus"

promtool=$(command -v promtool || true)
if [ -z "$promtool" ]; then
    echo "test-alert-rules: promtool not found (apt-get install prometheus)" >&2
    exit 1
fi
"$promtool" check rules rules.yml
"$promtool" test rules rules.test.yml
