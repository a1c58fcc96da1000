"""A bare Debian bookworm root holding exactly the packages deploy/Containerfile's runtime stage
installs, made with mmdebstrap (--variant=minbase, what debian:bookworm-slim is) from Debian's
mirror: the image without a container engine. Made once per package list and kept in
.build/image-root/KEY (KEY a hash of the suite, the variant, the options and the sorted list), so `make test`
downloads it only when the Containerfile's list changes; a partial one (an interrupted download)
is never used: it is built under another name and renamed when complete.

Then `run_in_root` runs a shell script in a private mount and network namespace, on an overlay
of that root (never modified), the image's own files (a folder laid out as the Containerfile's
COPY lines put them) and, for a writable root, a scratch upper layer; /proc, /sys and /dev are
the host's, as a container engine mounts them."""
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile

from common import REPO, check

SUITE, VARIANT = "bookworm", "minbase"
# As debian:bookworm-slim is made (debuerreotype --slim): merged /usr without the usrmerge
# package (which would pull in perl), and no documentation, manual pages or translations.
OPTIONS = ["--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr", "--aptopt=Apt::Install-Recommends \"false\""] + [
    f"--dpkgopt=path-{rule}" for rule in (
        "exclude=/usr/share/doc/*", "include=/usr/share/doc/*/copyright", "exclude=/usr/share/man/*",
        "exclude=/usr/share/info/*", "exclude=/usr/share/groff/*", "exclude=/usr/share/lintian/*",
        "exclude=/usr/share/linda/*", "exclude=/usr/share/locale/*")]
CACHE = os.path.join(REPO, ".build", "image-root")
# What a container engine sets, and what a login shell on Debian has (chroot is in /usr/sbin).
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def runtime_packages(stage):
    """The packages the RUN lines of a Containerfile stage `apt-get install`, in order."""
    out = []
    for command in stage["run"]:
        for step in re.split(r"&&|;|\|\|", command):
            argv = shlex.split(step)
            if argv[:1] == ["apt-get"] and "install" in argv:
                out += [a for a in argv[argv.index("install") + 1:] if not a.startswith("-")]
    return out


def ensure(packages):
    """The cached root's path, made first when missing. None (and a failure) if it cannot be."""
    key = hashlib.sha256(" ".join([SUITE, VARIANT] + OPTIONS + sorted(packages)).encode()).hexdigest()[:16]
    root = os.path.join(CACHE, key)
    if os.path.isfile(os.path.join(root, ".vitals-complete")):
        return root
    if not check(shutil.which("mmdebstrap"), "mmdebstrap is missing (apt-get install mmdebstrap)"):
        return None
    os.makedirs(CACHE, exist_ok=True)
    partial = tempfile.mkdtemp(prefix=f"{key}.partial.", dir=CACHE)
    os.rmdir(partial)  # mmdebstrap wants to make it (or find it empty)
    print(f"image root: mmdebstrap --variant={VARIANT} {SUITE} + {' '.join(packages)} into {root}", flush=True)
    run = subprocess.run(["mmdebstrap", "--quiet", f"--variant={VARIANT}", f"--include={','.join(packages)}"] + OPTIONS + [SUITE, partial],
                         capture_output=True, text=True)
    if not check(run.returncode == 0, f"mmdebstrap exited {run.returncode}: {run.stderr[-2000:]}"):
        shutil.rmtree(partial, ignore_errors=True)
        return None
    # Older roots of other package lists are of no further use.
    for old in os.listdir(CACHE):
        if old != key and not old.startswith(key + "."):
            shutil.rmtree(os.path.join(CACHE, old), ignore_errors=True)
    with open(os.path.join(partial, ".vitals-complete"), "w") as f:
        f.write("\n".join(packages) + "\n")
    os.rename(partial, root)
    return root


def mount_script(root, layer, scratch, volumes=None, writable=False):
    """Shell steps that mount, in the caller's new mount namespace, the overlay at
    `scratch`/merged with /proc, /sys, /dev and {path in the image: host folder} volumes;
    read-only unless `writable` (then changes go to `scratch`/upper and are dropped after)."""
    merged = os.path.join(scratch, "merged")
    for d in ("merged", "upper", "work"):
        os.makedirs(os.path.join(scratch, d), exist_ok=True)
    options = f"lowerdir={layer}:{root}"
    if writable:
        options += f",upperdir={scratch}/upper,workdir={scratch}/work"
    q = shlex.quote
    steps = ["mount --make-rprivate /", f"mount -t overlay vitals-image -o {q(options)} {q(merged)}"]
    for fs in ("proc", "sys", "dev"):
        steps.append(f"mount --rbind /{fs} {q(os.path.join(merged, fs))}")
    for inside, source in (volumes or {}).items():
        steps.append(f"mount --bind {q(source)} {q(os.path.join(merged, inside.lstrip('/')))}")
    return " && ".join(steps) + " && ", merged


def run_in_root(root, layer, script, volumes=None, writable=False, net=True, **popen):
    """Popen of `script` (sh, run as root outside the chroot; $ROOT is the merged root) in new
    mount (and network, with `net`) namespaces on that overlay."""
    scratch = tempfile.mkdtemp(prefix="vitals-overlay.")
    mounts, merged = mount_script(root, layer, scratch, volumes, writable)
    argv = ["unshare", "--mount"] + (["--net"] if net else []) + ["--", "sh", "-c", mounts + script]
    proc = subprocess.Popen(argv, env={"PATH": os.environ["PATH"], "ROOT": merged}, **popen)
    proc.scratch = scratch
    return proc


def done(proc):
    """Removes what run_in_root made (the namespace's mounts went with its last process)."""
    shutil.rmtree(proc.scratch, ignore_errors=True)


def ldd_missing(root, layer, binary):
    """The libraries `ldd binary` inside the root cannot find (its output lines), or its error."""
    proc = run_in_root(root, layer, f'exec chroot "$ROOT" ldd {shlex.quote(binary)}', net=False,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out, _ = proc.communicate(timeout=60)
    done(proc)
    if proc.returncode != 0:
        return [f"ldd exited {proc.returncode}: {out}"]
    return [line.strip() for line in out.splitlines() if "not found" in line]
