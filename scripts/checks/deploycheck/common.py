"""What every deploy/ check shares: failing loudly, reading YAML, durations, `vitals validate`."""
import os
import re
import subprocess
import sys
import tempfile

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEPLOY = os.path.join(REPO, "deploy")

failures = []


def fail(what):
    """Records a failure and keeps going, so one run names every problem."""
    failures.append(what)
    print(f"FAIL {what}", file=sys.stderr)


def check(ok, what):
    if not ok:
        fail(what)
    return ok


def rel(path):
    return os.path.relpath(path, REPO)


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def load(path):
    with open(path) as f:
        return yaml.safe_load(f)


_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(duration):
    """Vitals' durations (`250ms`, `2s`, `1h30m`, `7d`) in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", str(duration))
    if not parts or "".join(n + u for n, u in parts) != str(duration):
        raise ValueError(f"not a duration: {duration!r}")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def startup_need(config):
    """Seconds until every component has a first result (spec section 4): each first run starts
    within min(interval, 5s), and lasts at most its timeout."""
    defaults = config.get("defaults") or {}
    need = 0.0
    for c in config.get("components") or []:
        interval = seconds(c.get("interval", defaults.get("interval", "10s")))
        timeout = seconds(c.get("timeout", defaults.get("timeout", "2s")))
        need = max(need, min(interval, 5) + timeout)
    return need


def validate_config(vitals, text, name, env=None, files=None):
    """Runs the real `vitals validate` on a config's text, written to a file of its own.
    `files` ({absolute path: content}) are what the config reads where it runs but not here
    (a mounted Secret): each is written under the temporary folder, and the config's
    references to it point there."""
    with tempfile.TemporaryDirectory() as d:
        for path, content in (files or {}).items():
            local = os.path.join(d, "mounted", path.lstrip("/"))
            os.makedirs(os.path.dirname(local), exist_ok=True)
            with open(local, "w") as f:
                f.write(content)
            # The path as a whole value (quoted or not), never a prefix of a longer one.
            text = re.sub(re.escape(path) + r"(?=[\s\"',}\]]|$)", lambda _, local=local: local, text, flags=re.M)
        path = os.path.join(d, "vitals.yaml")
        with open(path, "w") as f:
            f.write(text)
        run = subprocess.run([vitals, "validate", "--config", path], capture_output=True, text=True,
                             env={**os.environ, **(env or {})}, timeout=60)
        check(run.returncode == 0, f"{name}: vitals validate exited {run.returncode}: {run.stdout}{run.stderr}")


def finish(section):
    if failures:
        print(f"check-deploy {section}: {len(failures)} problem(s)", file=sys.stderr)
        sys.exit(1)
    print(f"check-deploy {section}: ok")
