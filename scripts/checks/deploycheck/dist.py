"""`make dist`'s tarball as a user installs it on Debian 12: a bare root (rootfs.py) holding
only the packages its DEBIAN-PACKAGES names (which must be the image's runtime list), the
tarball unpacked in /opt by a user of its own (uid 65534 here), and `./vitals run` started from
the unpacked folder as that user, on its default config (config/vitals.yaml, README's "First
seconds"). `ldd` there must find every library; `vitals --version` must name the tarball's
version; /health/live, /health/startup and /health/ready must answer 200 and the status page
render."""
import os
import re
import shlex
import shutil
import subprocess
import tarfile
import tempfile
import time

import container
import rootfs
from common import DEPLOY, REPO, check, fail

USER = 65534


def check_dist(tarball):
    name = os.path.basename(tarball)
    match = re.fullmatch(r"vitals-(.+)-linux-([a-z0-9_]+)\.tar\.gz", name)
    if not check(match, f"dist: {name} is not named vitals-VERSION-linux-ARCH.tar.gz"):
        return
    version, folder = match.group(1), name[: -len(".tar.gz")]
    layer = tempfile.mkdtemp(prefix="vitals-dist.")
    os.chmod(layer, 0o755)
    try:
        with tarfile.open(tarball) as tar:
            names = tar.getnames()
            check(all(n == folder or n.startswith(folder + "/") for n in names), f"dist: {name} holds files outside {folder}/")
            tar.extractall(os.path.join(layer, "opt"), filter="data")
        home = os.path.join(layer, "opt", folder)
        for part in ("vitals", "config/vitals.yaml", "probes/system.yaml", "vitals.service", "README.md", "docs/configuration.md", "DEBIAN-PACKAGES"):
            check(os.path.exists(os.path.join(home, part)), f"dist: {name} has no {folder}/{part}")
        with open(os.path.join(home, "DEBIAN-PACKAGES")) as f:
            packages = f.read().split()
        image = rootfs.runtime_packages(container.parse(os.path.join(DEPLOY, "Containerfile")))
        check(packages == image, f"dist: DEBIAN-PACKAGES {packages} is not the image's runtime list {image}")
        root = rootfs.ensure(packages)
        if root is None:
            return
        # As the user who unpacked it owns it.
        for d, dirs, files in os.walk(home):
            for p in [d] + [os.path.join(d, f) for f in files]:
                os.chown(p, USER, USER)
        binary = f"/opt/{folder}/vitals"
        for line in rootfs.ldd_missing(root, layer, binary):
            fail(f"dist: ldd vitals in a root of only DEBIAN-PACKAGES: {line}")
        as_user = f'env -i PATH={rootfs.PATH} HOME=/opt/{folder} chroot --userspec={USER}:{USER} "$ROOT" sh -c '
        v = rootfs.run_in_root(root, layer, "exec " + as_user + shlex.quote(f"exec {binary} --version"), writable=True, net=False,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out, _ = v.communicate(timeout=30)
        rootfs.done(v)
        # The revision of the checkout it was built from (scripts/build/build-release.sh embeds it).
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
        check(v.returncode == 0 and out.split()[:2] == [version, "(revision"] and (not head or f"(revision {head}" in out),
              f"dist: vitals --version printed {out.strip()!r}, not {version} and the revision {head or '(no git here)'}")
        log = open(layer + ".log", "w")
        started = time.monotonic()
        script = "ip link set lo up && exec " + as_user + shlex.quote(f"cd /opt/{folder} && exec ./vitals run")
        proc = rootfs.run_in_root(root, layer, script, writable=True, stdout=log, stderr=subprocess.STDOUT)
        try:
            answers = container.wait_serving(proc, "http://127.0.0.1:8080", 30)
            if proc.poll() is not None:
                fail(f"dist: ./vitals run exited {proc.returncode}: {open(log.name).read()}")
            else:
                print(f"dist: {name} ready in the bare root {time.monotonic() - started:.1f} s after start")
                container.check_serving(answers, "dist's default config")
        finally:
            container.stop(proc, "dist")
            log.close()
            os.unlink(log.name)
    finally:
        shutil.rmtree(layer)
