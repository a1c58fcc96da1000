"""deploy/Containerfile without a container engine: the last stage's COPY lines are laid out
in a temporary root (the build stage's binary replaced by the one just built), and the image's
ENTRYPOINT + CMD run from there, as the image's USER, with every file system read-only (as
readOnlyRootFilesystem makes it) but its VOLUMEs, in a network namespace of its own so the
baked-in config can bind its real port. It must answer /health/live 200 on an address other
than loopback (it listens on every address, as kubelet needs) and complete startup, and the
SQLite history of its config must land in a VOLUME the image's USER owns (as a new named volume
takes the image directory's owner), since nothing else is writable.

Of the last stage's RUN lines only `install -d` is reproduced (the directories a VOLUME needs,
with their owner and mode); the packages they install are the host's here."""
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time

import yaml

from common import DEPLOY, REPO, check, fail

OUTSIDE = "10.200.0.1"  # an address of the namespace's own, not 127.0.0.1


def _new_stage():
    return {"copy": [], "user": "root", "expose": [], "entrypoint": [], "cmd": [], "run": [], "volume": [], "env": {}}


def parse(path):
    """The last stage's COPY, RUN (shell form), VOLUME, ENV, USER, EXPOSE, ENTRYPOINT and CMD
    (exec form)."""
    stage = _new_stage()
    with open(path) as f:
        lines = f.read().replace("\\\n", " ").splitlines()
    for line in lines:
        words = line.strip().split(None, 1)
        if not words or words[0].startswith("#"):
            continue
        op, rest = words[0].upper(), (words[1] if len(words) > 1 else "")
        if op == "FROM":
            stage = _new_stage()
        elif op == "RUN":
            stage["run"].append(rest)
        elif op == "VOLUME":
            stage["volume"] += json.loads(rest) if rest.startswith("[") else rest.split()
        elif op == "ENV":
            key, _, value = rest.partition("=")
            stage["env"][key.strip()] = value.strip()
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
    for command in stage["run"]:
        for step in re.split(r"&&|;", command):
            argv = shlex.split(step)
            if argv[:2] == ["install", "-d"]:
                _install_dirs(argv[2:], root)


def _install_dirs(args, root):
    """`install -d [-m MODE] [-o UID] [-g GID] DIR...` in the temporary root."""
    opts, dirs, i = {"-m": "0755", "-o": "0", "-g": "0"}, [], 0
    while i < len(args):
        if args[i] in opts:
            opts[args[i]], i = args[i + 1], i + 2
        else:
            dirs.append(args[i])
            i += 1
    for d in dirs:
        target = os.path.join(root, d.lstrip("/"))
        os.makedirs(target, exist_ok=True)
        if not check(opts["-o"].isdigit() and opts["-g"].isdigit(), f"Containerfile: install -d {d}: give -o and -g as numbers, as USER is"):
            continue
        os.chown(target, int(opts["-o"]), int(opts["-g"]))
        os.chmod(target, int(opts["-m"], 8))


def _volumes(stage, root, uid):
    """{path in the image: a fresh folder standing for a new named volume}: a copy of the image
    directory's owner and mode, which is what Docker and Podman give a new named volume."""
    out = {}
    for v in stage["volume"]:
        inside = os.path.join(root, v.lstrip("/"))
        if not check(os.path.isdir(inside), f"Containerfile: VOLUME {v} is not created in the image (RUN install -d -o USER)"):
            continue
        st = os.stat(inside)
        check(st.st_uid == int(uid) and st.st_mode & 0o200, f"Containerfile: VOLUME {v} is owned by uid {st.st_uid}, not writable by USER {uid}")
        source = tempfile.mkdtemp(prefix="vitals-volume.")
        os.chown(source, st.st_uid, st.st_gid)
        os.chmod(source, st.st_mode & 0o7777)
        out[v] = source
    return out


def _in_image(value, root, volumes):
    """An ENV value as the process sees it here: an image path under the temporary root, but a
    VOLUME's path as it is (the namespace mounts the volume there, see _volume_mount)."""
    if not value.startswith("/") or any(value == v or value.startswith(v.rstrip("/") + "/") for v in volumes):
        return value
    return os.path.join(root, value.lstrip("/"))


def _volume_mount(volume, source):
    """Shell steps, in the check's private mount namespace, that mount `source` at the VOLUME's
    own absolute path, where the image's config names it (`storage.path`). A path missing on
    this machine is made on a tmpfs over its nearest existing parent (hidden only inside the
    namespace; Vitals reads nothing there)."""
    parent = volume
    while not os.path.isdir(parent):
        parent = os.path.dirname(parent)
    steps = ""
    if parent != volume:
        if not check(parent != "/", f"Containerfile: VOLUME {volume}: no parent folder on this machine to mount it under"):
            return ""
        steps = f"mount -t tmpfs -o mode=0755 vitals-check {shlex.quote(parent)} && mkdir -p {shlex.quote(volume)} && "
    return steps + f"mount --bind {shlex.quote(source)} {shlex.quote(volume)} && "


def _sqlite_path(config_file):
    """The absolute path of the image config's SQLite database, or None without sqlite storage."""
    with open(config_file) as f:
        storage = (yaml.safe_load(f) or {}).get("storage") or {}
    if storage.get("type") != "sqlite":
        return None
    path = storage.get("path", ".vitals/state.db")
    check(path.startswith("/"), f"image's default config: storage.path {path} is relative to the working directory, /, which is read-only")
    return path


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
    volumes = {}
    try:
        lay_out(stage, root, vitals)
        volumes = _volumes(stage, root, uid)
        argv = stage["entrypoint"] + stage["cmd"]
        # Absolute paths in the image are under the temporary root here.
        argv = [os.path.join(root, a.lstrip("/")) if a.startswith("/") else a for a in argv]
        check(os.path.exists(argv[0]), f"Containerfile: ENTRYPOINT {stage['entrypoint'][0]} is not in the image")
        config = argv[argv.index("--config") + 1]
        database = _sqlite_path(config)
        volume_of = [v for v in volumes if database and database.startswith(v.rstrip("/") + "/")]
        if database:
            check(volume_of, f"image's default config: SQLite at {database} is in no VOLUME ({stage['volume']}): the read-only root refuses it")
        env = {**os.environ, **{k: _in_image(v, root, volumes) for k, v in stage["env"].items()}}
        as_user = ["setpriv", f"--reuid={uid}", f"--regid={gid or uid}", "--clear-groups", "--"]
        # The VOLUMEs mounted where the image has them, for validate too: it checks that the
        # SQLite database can be made there, as nobody.
        mounts = "mount --make-rprivate / && " + "".join(_volume_mount(v, source) for v, source in volumes.items())
        validate = mounts + "exec " + shlex.join(as_user + [argv[0], "validate", "--config", config])
        valid = subprocess.run(["unshare", "--mount", "--", "sh", "-c", validate], capture_output=True, text=True, env=env)
        check(valid.returncode == 0, f"image's default config: vitals validate exited {valid.returncode}: {valid.stdout}{valid.stderr}")
        log = open(os.path.join(root, "..", os.path.basename(root) + ".log"), "w")
        # As kubelet runs it with readOnlyRootFilesystem: every mount read-only but /proc, /sys,
        # /dev and the VOLUMEs, each a writable mount of its own, as a container engine makes it.
        keep = "".join(f" | grep -vxF {shlex.quote(v)}" for v in volumes)
        read_only = (mounts +
                     "for m in $(awk '{print $2}' /proc/self/mounts | grep -vE '^/(proc|sys|dev)(/|$)'" + keep + "); "
                     "do mount -o remount,bind,ro \"$m\" 2>/dev/null || true; done && touch /tmp/.rw 2>/dev/null && exit 90; ")
        script = read_only + f"ip link set lo up && ip addr add {OUTSIDE}/32 dev lo && exec " + shlex.join(as_user + argv)
        proc = subprocess.Popen(["unshare", "--net", "--mount", "--", "sh", "-c", script], stdout=log, stderr=subprocess.STDOUT, env=env)
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
                if volume_of:
                    stored = os.path.join(volumes[volume_of[0]], os.path.relpath(database, volume_of[0]))
                    check(os.path.isfile(stored) and os.stat(stored).st_uid == int(uid),
                          f"image: no {database} written by uid {uid} in the VOLUME {volume_of[0]}")
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
        for source in volumes.values():
            shutil.rmtree(source)
