#!/usr/bin/env bash
# What ships, run where it ships: `make dist`'s tarball (scripts/build/dist.sh, which makes the one
# release build) and the container image's runtime stage, each in a bare Debian bookworm root
# that holds only deploy/Containerfile's runtime packages (mmdebstrap, cached in
# .build/image-root; the first run downloads it from Debian's mirror, about 4 minutes):
#   scripts/checks/check-image.sh
# - the image: ldd finds every library; its ENTRYPOINT + CMD as USER 65534 on a read-only root
#   but its VOLUME answers /health/live, /health/startup, /health/ready 200 and renders the
#   status page, and writes its SQLite history into the VOLUME;
# - the tarball: unpacked in /opt, `./vitals run` from there as uid 65534 on its default config,
#   the same answers; `vitals --version` names the tarball's version.
# Needs root (chroot, mounts, namespaces), mmdebstrap, unshare, nsenter, ip and curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
for tool in mmdebstrap unshare nsenter chroot ip curl python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "check-image: missing ${missing[*]} (scripts/build/install-deps.sh test installs them)" >&2
    exit 1
fi
tarball=$(scripts/build/dist.sh)
status=0
echo "== check-image: the container image's runtime stage"
python3 scripts/checks/deploycheck image .build/release/vitals || status=1
echo "== check-image: $tarball"
python3 scripts/checks/deploycheck dist "$tarball" || status=1
exit $status
