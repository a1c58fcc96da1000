"""deploy/Containerfile without a container engine: a bare Debian root holding exactly the
packages the last stage installs (rootfs.py: mmdebstrap, cached in .build/image-root), the last
stage's COPY lines laid out over it (the build stage's binary replaced by the release build
given), and the image's ENTRYPOINT + CMD run there with chroot, as the image's USER, with its
ENV only, on a read-only root (as readOnlyRootFilesystem makes it) but its VOLUMEs, in a network
namespace of its own so the baked-in config can bind its real port. `ldd` in that root must find
every library the binary links; it must answer /health/live, /health/startup and /health/ready
200 on an address other than loopback (it listens on every address, as kubelet needs), render
the status page, and its SQLite history must land in a VOLUME the image's USER owns (as a new
named volume takes the image directory's owner), since nothing else is writable.

Of the last stage's RUN lines, `apt-get install` is the root's package list and `install -d`
is reproduced (the directories a VOLUME needs, with their owner and mode)."""
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time

import yaml

import rootfs
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


def _volumes(stage, layer, uid):
    """{path in the image: a fresh folder standing for a new named volume}: a copy of the image
    directory's owner and mode, which is what Docker and Podman give a new named volume."""
    out = {}
    for v in stage["volume"]:
        inside = os.path.join(layer, v.lstrip("/"))
        if not check(os.path.isdir(inside), f"Containerfile: VOLUME {v} is not created in the image (RUN install -d -o USER)"):
            continue
        st = os.stat(inside)
        check(st.st_uid == int(uid) and st.st_mode & 0o200, f"Containerfile: VOLUME {v} is owned by uid {st.st_uid}, not writable by USER {uid}")
        source = tempfile.mkdtemp(prefix="vitals-volume.")
        os.chown(source, st.st_uid, st.st_gid)
        os.chmod(source, st.st_mode & 0o7777)
        out[v] = source
    return out


def _sqlite_path(config_file):
    """The absolute path of the image config's SQLite database, or None without sqlite storage."""
    with open(config_file) as f:
        storage = (yaml.safe_load(f) or {}).get("storage") or {}
    if storage.get("type") != "sqlite":
        return None
    path = storage.get("path", ".vitals/state.db")
    check(path.startswith("/"), f"image's default config: storage.path {path} is relative to the working directory, /, which is read-only")
    return path


def get(pid, url):
    """curl inside the network namespace of process `pid`: (status code or 0 when nothing
    answers, content type, body)."""
    run = subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", "curl", "-s", "--max-time", "2",
                          "-w", "\n%{http_code} %{content_type}", url], capture_output=True, text=True)
    body, _, tail = run.stdout.rpartition("\n")
    code, _, content_type = tail.partition(" ")
    return int(code) if code.isdigit() else 0, content_type, body


def wait_serving(proc, base, seconds):
    """Waits (bounded) until the daemon in `proc`'s namespace answers live, startup and ready
    200, then fetches the status page. {path: (code, content type, body)} of the last tries."""
    answers = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        answers = {p: get(proc.pid, base + p) for p in ("/health/live", "/health/startup", "/health/ready")}
        if all(a[0] == 200 for a in answers.values()):
            break
        time.sleep(0.2)
    if proc.poll() is None:
        answers["/"] = get(proc.pid, base + "/")
    return answers


def check_serving(answers, what):
    """Every health endpoint 200 and the status page rendered as HTML."""
    for path in ("/health/live", "/health/startup", "/health/ready"):
        code, _, body = answers.get(path, (0, "", ""))
        check(code == 200, f"{what}: {path} answered {code}: {body[:300]}")
    code, content_type, body = answers.get("/", (0, "", ""))
    check(code == 200 and content_type.startswith("text/html") and "<html" in body.lower(),
          f"{what}: the status page (GET /) answered {code} {content_type}, not an HTML page")


def stop(proc, what):
    """SIGTERM to the daemon (the namespace's sh exec'd into chroot, which exec'd it): exit 0."""
    if proc.poll() is None:
        proc.terminate()
        try:
            check(proc.wait(10) == 0, f"{what}: vitals did not stop cleanly on SIGTERM (exit {proc.returncode})")
        except subprocess.TimeoutExpired:
            fail(f"{what}: vitals did not stop within 10 s of SIGTERM")
            proc.kill()
            proc.wait()
    rootfs.done(proc)


def check_build_packages():
    """One list of -dev packages: scripts/build/install-deps.sh's build_pkgs holds exactly the -dev
    packages Package.swift's system libraries name, and the Containerfile's build stage installs
    them by running that script."""
    with open(os.path.join(REPO, "Package.swift")) as f:
        named = {p for group in re.findall(r"\.apt\(\[([^\]]*)\]\)", f.read()) for p in re.findall(r'"([^"]+)"', group)}
    with open(os.path.join(REPO, "scripts", "build", "install-deps.sh")) as f:
        listed = re.search(r"^build_pkgs=\(([^)]*)\)", f.read(), re.M)
    listed = set(listed.group(1).split()) if listed else set()
    check(named and named == {p for p in listed if p.endswith("-dev")},
          f"scripts/build/install-deps.sh build_pkgs' -dev packages {sorted(p for p in listed if p.endswith('-dev'))} are not Package.swift's {sorted(named)}")
    with open(os.path.join(DEPLOY, "Containerfile")) as f:
        text = f.read()
    build = text[: text.rindex("\nFROM ")]
    check(re.search(r"^RUN .*install-deps\.sh build", build, re.M),
          "Containerfile: the build stage does not install its packages with scripts/build/install-deps.sh build")
    check(re.search(r"^RUN .*scripts/build/build-release\.sh", build, re.M),
          "Containerfile: the build stage does not build with scripts/build/build-release.sh, the one release build")


def check_image(vitals):
    check_build_packages()
    stage = parse(os.path.join(DEPLOY, "Containerfile"))
    uid, _, gid = stage["user"].partition(":")
    check(uid not in ("", "root", "0"), f"Containerfile: USER {stage['user']} is root")
    check(stage["expose"], "Containerfile: EXPOSE names no port")
    packages = rootfs.runtime_packages(stage)
    if not check(packages, "Containerfile: the last stage installs no packages (apt-get install)"):
        return
    root = rootfs.ensure(packages)
    if root is None:
        return
    layer = tempfile.mkdtemp(prefix="vitals-image.")
    os.chmod(layer, 0o755)
    volumes = {}
    try:
        lay_out(stage, layer, vitals)
        volumes = _volumes(stage, layer, uid)
        argv = stage["entrypoint"] + stage["cmd"]
        if not check(os.path.exists(os.path.join(layer, argv[0].lstrip("/"))), f"Containerfile: ENTRYPOINT {argv[0]} is not in the image"):
            return
        for line in rootfs.ldd_missing(root, layer, argv[0]):
            fail(f"image: ldd {argv[0]} in the runtime stage's root: {line} (add its package to the runtime stage's apt-get install)")
        config = argv[argv.index("--config") + 1]
        database = _sqlite_path(os.path.join(layer, config.lstrip("/")))
        volume_of = [v for v in volumes if database and database.startswith(v.rstrip("/") + "/")]
        if database:
            check(volume_of, f"image's default config: SQLite at {database} is in no VOLUME ({stage['volume']}): the read-only root refuses it")
        # As an engine starts it: the image's ENV (and PATH) only, as USER, working directory /.
        env = [f"PATH={rootfs.PATH}"] + [f"{k}={v}" for k, v in stage["env"].items()]
        as_user = ["env", "-i"] + env + ["chroot", f"--userspec={uid}:{gid or uid}", "$ROOT"]
        run = lambda args: " ".join(shlex.quote(a) if a != "$ROOT" else '"$ROOT"' for a in as_user + args)
        # validate checks that the SQLite database can be made in the VOLUME, as USER.
        valid = rootfs.run_in_root(root, layer, "exec " + run([argv[0], "validate", "--config", config]), volumes=volumes,
                                   net=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out, _ = valid.communicate(timeout=60)
        rootfs.done(valid)
        check(valid.returncode == 0, f"image's default config: vitals validate exited {valid.returncode}: {out}")
        log = open(layer + ".log", "w")
        # The root is read-only (an overlay of lower layers only): even root cannot write to it.
        script = ('chroot "$ROOT" sh -c "touch /tmp/.rw" 2>/dev/null && exit 90; '
                  f"ip link set lo up && ip addr add {OUTSIDE}/32 dev lo && exec " + run(argv))
        proc = rootfs.run_in_root(root, layer, script, volumes=volumes, stdout=log, stderr=subprocess.STDOUT)
        try:
            port = stage["expose"][0] if stage["expose"] else 8080
            # startup: about 5 s plus the longest timeout
            answers = wait_serving(proc, f"http://{OUTSIDE}:{port}", 30)
            if proc.returncode == 90:
                fail("image: /tmp was writable: the root is not read-only")
            elif proc.poll() is not None:
                fail(f"image's default config: vitals exited {proc.returncode}: {open(log.name).read()}")
            else:
                check_serving(answers, f"image on {OUTSIDE}:{port}")
                if volume_of:
                    stored = os.path.join(volumes[volume_of[0]], os.path.relpath(database, volume_of[0]))
                    check(os.path.isfile(stored) and os.stat(stored).st_uid == int(uid),
                          f"image: no {database} written by uid {uid} in the VOLUME {volume_of[0]}")
        finally:
            stop(proc, "image")
            log.close()
            os.unlink(log.name)
    finally:
        shutil.rmtree(layer)
        for source in volumes.values():
            shutil.rmtree(source)
