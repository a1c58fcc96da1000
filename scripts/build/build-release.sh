#!/usr/bin/env bash
# The one release build of Vitals: `make run`, `make dist`, the benchmarks, `make test` (and so
# CI) and deploy/Containerfile all call this, so what is measured and tested is what ships.
#   scripts/build/build-release.sh        # builds .build/release/vitals
# --static-swift-stdlib: the Swift runtime and Foundation are linked into the binary, so it needs
# only Debian's libc and the C libraries Package.swift names (deploy/Containerfile's runtime
# stage installs exactly those), not a Swift toolchain's lib/swift/linux on the target; and it
# measured smaller in memory (docs/operations.md, "Release build", has the figures).
# The git revision goes into the binary through VITALS_REVISION (see Package.swift): from the
# environment when set (the image's build has no .git), else from git, else "unknown".
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${VITALS_REVISION:-}" ]; then
    VITALS_REVISION=unknown
    if rev=$(git rev-parse --short=12 HEAD 2>/dev/null); then
        # A build of uncommitted changes says so: it is not that revision.
        git diff --quiet HEAD -- 2>/dev/null || rev="$rev-dirty"
        VITALS_REVISION=$rev
    fi
fi
export VITALS_REVISION
exec swift build -c release --product vitals --static-swift-stdlib "$@"
