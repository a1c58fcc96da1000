#!/usr/bin/env bash
# `make dist`: the release build (scripts/build/build-release.sh) packed for a Debian 12 machine as
# .build/dist/vitals-VERSION-linux-ARCH.tar.gz, one folder holding
#   vitals                 the binary (Swift runtime linked in)
#   config/ probes/        the default config and the probes it includes, as in the repository
#   vitals.service         the systemd unit (deploy/systemd)
#   README.md docs/      the front page and the documentation it links to
#   DEBIAN-PACKAGES        the runtime packages it needs: deploy/Containerfile's runtime stage list
# Prints the tarball's path. scripts/checks/check-image.sh unpacks it in a bare Debian root holding
# only those packages and runs it there.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build/build-release.sh >&2
bin=.build/release/vitals
version=$("$bin" --version | awk '{print $1}')
name="vitals-$version-linux-$(uname -m)"
out=.build/dist
stage="$out/$name"
rm -rf "$stage" "$out/$name.tar.gz"
mkdir -p "$stage"
install -m 0755 "$bin" "$stage/vitals"
cp -R config probes docs "$stage/"
install -m 0644 deploy/systemd/vitals.service "$stage/vitals.service"
install -m 0644 README.md "$stage/README.md"
python3 scripts/checks/deploycheck runtime-packages > "$stage/DEBIAN-PACKAGES"
# The same bytes for the same inputs: sorted names, no builder's user, the commit's time.
mtime=$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -C "$out" -czf "$out/$name.tar.gz" "$name"
rm -rf "$stage"
echo "$out/$name.tar.gz"
