"""deploy/Containerfile without a container engine: the last stage's COPY lines are laid out
in a temporary root (the build stage's binary replaced by the one just built), and the image's
ENTRYPOINT + CMD run from there, as the image's USER, with every file system read-only (as
readOnlyRootFilesystem makes it), in a network namespace of its own so the baked-in config can
bind its real port. It must answer /health/live 200 on an address other
than loopback (it listens on every address, as kubelet needs) and complete startup."""
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time

from common import DEPLOY, REPO, check, fail

OUTSIDE = "10.200.0.1"  # an address of the namespace's own, not 127.0.0.1


def parse(path):
    """The last stage's COPY, USER, EXPOSE, ENTRYPOINT and CMD (exec form)."""
    stage = {"copy": [], "user": "root", "expose": [], "entrypoint": [], "cmd": []}
    with open(path) as f:
        lines = f.read().replace("\\\n", " ").splitlines()
    for line in lines:
        words = line.strip().split(None, 1)
        if not words or words[0].startswith("#"):
            continue
        op, rest = words[0].upper(), (words[1] if len(words) > 1 else "")
        if op == "FROM":
            stage = {"copy": [], "user": "root", "expose": [], "entrypoint": [], "cmd": []}
        elif op == "COPY":
            parts = shlex.split(rest)
            flags = {p.split("=", 1)[0]: p.split("=", 1)[-1] for p in parts if p.startswith("--")}
            paths = [p for p in parts if not p.startswith("--")]
            stage["copy"].append((flags.get("--from"), paths[:-1], paths[-1]))
        elif op == "USER":
            stage["user"] = rest.strip()
        elif op == "EXPOSE":
            stage["expose"] += [int(p.split("/")[0]) for p in rest.split()]
        elif op in ("ENTRYPOINT", "CMD"):
            stage[op.lower()] = json.loads(rest)
    return stage


def lay_out(stage, root, vitals):
    for source_stage, sources, dest in stage["copy"]:
        for src in sources:
            target = os.path.join(root, dest.lstrip("/"))
            if source_stage is not None:
                # From the build stage: only the binary, which we have built ourselves.
                if not check(os.path.basename(dest) == "vitals", f"Containerfile: COPY --from={source_stage} {src} {dest} is not the binary"):
                    continue
                origin = vitals
            else:
                origin = os.path.join(REPO, src)
            if not check(os.path.exists(origin), f"Containerfile: COPY source {src} does not exist"):
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.isdir(origin):
                shutil.copytree(origin, target, dirs_exist_ok=True)
            else:
                shutil.copy2(origin, target)
    for d, dirs, files in os.walk(root):
        os.chmod(d, 0o755)  # as the image's root-owned files are: readable, not writable, by USER


def _get(pid, url):
    """curl inside the namespace of process `pid`: status code, or 0 when nothing answers."""
    run = subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", "curl", "-s", "-o", "/dev/null",
                          "-w", "%{http_code}", "--max-time", "2", url], capture_output=True, text=True)
    return int(run.stdout or 0)


def check_image(vitals):
    stage = parse(os.path.join(DEPLOY, "Containerfile"))
    uid, _, gid = stage["user"].partition(":")
    check(uid not in ("", "root", "0"), f"Containerfile: USER {stage['user']} is root")
    check(stage["expose"], "Containerfile: EXPOSE names no port")
    root = tempfile.mkdtemp(prefix="vitals-image.")
    os.chmod(root, 0o755)
    try:
        lay_out(stage, root, vitals)
        argv = stage["entrypoint"] + stage["cmd"]
        # Absolute paths in the image are under the temporary root here.
        argv = [os.path.join(root, a.lstrip("/")) if a.startswith("/") else a for a in argv]
        check(os.path.exists(argv[0]), f"Containerfile: ENTRYPOINT {stage['entrypoint'][0]} is not in the image")
        config = argv[argv.index("--config") + 1]
        as_user = ["setpriv", f"--reuid={uid}", f"--regid={gid or uid}", "--clear-groups", "--"]
        valid = subprocess.run(as_user + [argv[0], "validate", "--config", config], capture_output=True, text=True)
        check(valid.returncode == 0, f"image's default config: vitals validate exited {valid.returncode}: {valid.stdout}{valid.stderr}")
        log = open(os.path.join(root, "..", os.path.basename(root) + ".log"), "w")
        # As kubelet runs it with readOnlyRootFilesystem: every mount read-only but /proc, /sys, /dev.
        read_only = ("mount --make-rprivate / && for m in $(awk '{print $2}' /proc/self/mounts | grep -vE '^/(proc|sys|dev)(/|$)'); "
                     "do mount -o remount,bind,ro \"$m\" 2>/dev/null || true; done && touch /tmp/.rw 2>/dev/null && exit 90; ")
        script = read_only + f"ip link set lo up && ip addr add {OUTSIDE}/32 dev lo && exec " + shlex.join(as_user + argv)
        proc = subprocess.Popen(["unshare", "--net", "--mount", "--", "sh", "-c", script], stdout=log, stderr=subprocess.STDOUT)
        try:
            port = stage["expose"][0] if stage["expose"] else 8080
            statuses = {}
            deadline = time.monotonic() + 30   # startup: about 5 s plus the longest timeout
            while time.monotonic() < deadline and proc.poll() is None:
                statuses = {p: _get(proc.pid, f"http://{OUTSIDE}:{port}{p}") for p in ("/health/live", "/health/startup")}
                if all(s == 200 for s in statuses.values()):
                    break
                time.sleep(0.2)
            if proc.returncode == 90:
                fail("image: /tmp stayed writable: could not make the file systems read-only")
            elif proc.poll() is not None:
                fail(f"image's default config: vitals exited {proc.returncode}: {open(log.name).read()}")
            else:
                check(statuses.get("/health/live") == 200, f"image: /health/live on {OUTSIDE}:{port} answered {statuses.get('/health/live')}")
                check(statuses.get("/health/startup") == 200, f"image: /health/startup on {OUTSIDE}:{port} answered {statuses.get('/health/startup')} after 30 s")
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    check(proc.wait(10) == 0, f"image: vitals did not stop cleanly on SIGTERM (exit {proc.returncode})")
                except subprocess.TimeoutExpired:
                    fail("image: vitals did not stop within 10 s of SIGTERM")
                    proc.kill()
                    proc.wait()
            os.unlink(log.name)
    finally:
        shutil.rmtree(root)
