"""The Vitals container of a pod template, whatever the workload (Deployment, StatefulSet,
DaemonSet, CronJob): non-root with a read-only root, its config from a ConfigMap of the same
file, no secret in that ConfigMap, every file the config reads (`password_file`, `ca_file`...)
mounted from a Secret or ConfigMap, SQLite history on a volume that outlives the pod and that
nobody (65534) can write, and the config accepted by the real `vitals validate` with those
mounted files in place."""
import os
import re

import yaml

from common import check, validate_config

# Keys whose literal value is a secret: in a ConfigMap they must take it from `${VAR}` (a
# Secret through env) or be `K_file` (a mounted Secret).
SECRET_KEYS = re.compile(r"^(password|routing_key|detailed_token|[a-z_]*_token|authorization)$", re.I)
PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}")
# A URL or DSN with a password in it: scheme://user:password@host.
URL_PASSWORD = re.compile(r"://[^/@\s:]+:([^/@\s]+)@")


def security(template, container, name):
    pod = template["spec"].get("securityContext") or {}
    sc = container.get("securityContext") or {}
    check(sc.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, f"{name}: runAsNonRoot is not true")
    check(sc.get("runAsUser", pod.get("runAsUser", 65534)) != 0, f"{name}: runs as uid 0")
    check(sc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem is not true")
    check(sc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation is not false")
    check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []), f"{name}: capabilities are not all dropped")
    res = container.get("resources") or {}
    check({"cpu", "memory"} <= set((res.get("requests") or {}).keys()), f"{name}: no cpu and memory requests")
    check("memory" in (res.get("limits") or {}), f"{name}: no memory limit")


def config_of(container, template, docs, name):
    """The config text the container runs: --config's folder is a ConfigMap volume."""
    args = container.get("args") or []
    if not check("--config" in args, f"{name}: args have no --config"):
        return None
    path = args[args.index("--config") + 1]
    volume = _mount_of(path, container)
    cm_name = ((_volumes(template).get(volume["name"]) if volume else None) or {}).get("configMap", {}).get("name")
    maps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    if not check(cm_name in maps, f"{name}: {path} is not in a ConfigMap of the same file"):
        return None
    text = maps[cm_name]["data"].get(os.path.basename(path))
    check(text is not None, f"{name}: ConfigMap {cm_name} has no key {os.path.basename(path)}")
    return text


def env_of(container):
    """The container's environment as the config sees it: literal values, placeholders for
    what comes from Secrets or the downward API."""
    return {e["name"]: str(e.get("value", "placeholder")) for e in container.get("env") or []}


def _volumes(template):
    return {v["name"]: v for v in template["spec"].get("volumes") or []}


def _mount_of(path, container):
    """The volumeMount holding `path` (the longest mountPath above it), or None."""
    best = None
    for m in container.get("volumeMounts") or []:
        if path.startswith(m["mountPath"].rstrip("/") + "/") and (best is None or len(m["mountPath"]) > len(best["mountPath"])):
            best = m
    return best


def _walk(node, path=""):
    """(key path, key, value) of every scalar in a config."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
            if not isinstance(v, (dict, list)):
                yield (f"{path}.{k}" if path else str(k)), str(k), v
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]")


def no_inline_secrets(config, name):
    """A ConfigMap is readable by whoever may read the namespace's ConfigMaps, and ends up in
    git: passwords and tokens come from Secrets (`K_file` or `${VAR}`), never literally."""
    for key_path, key, value in _walk(config):
        if not isinstance(value, str):
            continue
        if SECRET_KEYS.match(key):
            check(PLACEHOLDER.search(value), f"{name}: {key_path} is a literal secret in the ConfigMap: take it from a Secret (a mounted file through a *_file key, or ${{VAR}} from env)")
        m = URL_PASSWORD.search(value)
        if m:
            check(PLACEHOLDER.search(m.group(1)), f"{name}: {key_path} has a password in its URL: use password_file")


def mounted_files(config, container, template, docs, name):
    """{path: content} of every absolute file the config reads (`*_file` keys), as kubelet
    mounts them: a Secret's key (its content unknown here: a placeholder) or a ConfigMap's."""
    files = {}
    maps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    for key_path, key, value in _walk(config):
        if not key.endswith("_file") or not isinstance(value, str) or not value.startswith("/"):
            continue
        mount = _mount_of(value, container)
        volume = _volumes(template).get(mount["name"]) if mount else None
        if not check(volume, f"{name}: {key_path} {value} is in no volume of the pod"):
            continue
        inner = os.path.relpath(value, mount["mountPath"])
        source = volume.get("secret") or volume.get("configMap")
        if not check(source is not None, f"{name}: {key_path} {value} is on volume {volume['name']}, not a Secret or ConfigMap"):
            continue
        items = source.get("items")
        key_name = next((i["key"] for i in items if i["path"] == inner), None) if items else inner
        if not check(key_name is not None, f"{name}: {key_path} {value}: the items of volume {volume['name']} do not map a key to {inner}"):
            continue
        if "secret" in volume:
            files[value] = "placeholder"
        else:
            data = (maps.get(source.get("name")) or {}).get("data") or {}
            if check(key_name in data, f"{name}: {key_path} {value}: ConfigMap {source.get('name')} has no key {key_name}"):
                files[value] = data[key_name]
    return files


def storage(workload, template, container, config, docs, name):
    """History where the workload keeps it: shards share PostgreSQL (spec section 8), SQLite
    lives on a volume that outlives the pod, written by one pod at a time, writable by nobody."""
    st = config.get("storage") or {}
    kind = st.get("type", "memory")
    spec = workload["spec"]
    if "fleet" in config:
        # Spec section 14: a fleet is a Deployment of any size; --shard would fix its size.
        check(kind == "postgres", f"{name}: a fleet needs storage: postgres, not {kind}")
        check(workload["kind"] == "Deployment", f"{name}: a fleet is a Deployment (any replica count), not a {workload['kind']}")
        check("--shard" not in (container.get("args") or []), f"{name}: a fleet member takes no --shard")
        labels = template["metadata"].get("labels") or {}
        budgets = [d for d in docs if d["kind"] == "PodDisruptionBudget"
                   and all(labels.get(k) == v for k, v in ((d["spec"].get("selector") or {}).get("matchLabels") or {}).items())]
        check(len(budgets) == 1, f"{name}: a fleet needs one PodDisruptionBudget selecting its pods (found {len(budgets)})")
        for b in budgets:
            check(b["spec"].get("maxUnavailable") == 1, f"{name}: its PodDisruptionBudget should let one replica go at a time (maxUnavailable: 1)")
        rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
        check(rolling.get("maxUnavailable") == 0, f"{name}: a fleet rolls out with maxUnavailable: 0 (the new replica joins before an old one leaves)")
    if "--shard" in (container.get("args") or []):
        check(kind == "postgres", f"{name}: shards share one view only through storage: postgres, not {kind} (each replica would list only its own components)")
    if kind != "sqlite":
        return
    path = st.get("path", ".vitals/state.db")
    if not check(path.startswith("/"), f"{name}: storage.path {path} is relative to the working directory, /, which is read-only"):
        return
    mount = _mount_of(path, container)
    volume = _volumes(template).get(mount["name"]) if mount else None
    claims = {d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"}
    templates = {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates") or []}
    persistent = ((volume or {}).get("persistentVolumeClaim") or {}).get("claimName") in claims or (mount and mount["name"] in templates)
    check(persistent, f"{name}: storage.path {path} is not on a PersistentVolumeClaim of the same file: history would not survive the pod")
    check(not (mount or {}).get("readOnly"), f"{name}: the volume of storage.path {path} is mounted readOnly")
    pod = template["spec"].get("securityContext") or {}
    gid = (container.get("securityContext") or {}).get("runAsGroup", pod.get("runAsGroup"))
    check(pod.get("fsGroup") is not None and pod.get("fsGroup") in (gid, *(pod.get("supplementalGroups") or [])),
          f"{name}: fsGroup {pod.get('fsGroup')} is not the group Vitals runs as ({gid}): the volume would not be writable for it")
    if workload["kind"] == "Deployment":
        # SQLite has one writer, and a ReadWriteOnce volume one node: a RollingUpdate would
        # start the new pod while the old one holds both.
        check(spec.get("replicas", 1) == 1, f"{name}: SQLite storage with {spec.get('replicas')} replicas: one writer only")
        check((spec.get("strategy") or {}).get("type") == "Recreate", f"{name}: SQLite storage needs strategy Recreate (the old pod lets go of the database first)")


def validate(vitals, text, container, template, docs, name):
    """The config in the ConfigMap: no literal secret, and `vitals validate` with the files it
    reads from the pod's volumes in place. Returns the parsed config (storage() is the daemons'
    part: `vitals check` keeps no history)."""
    config = yaml.safe_load(text) or {}
    no_inline_secrets(config, name)
    files = mounted_files(config, container, template, docs, name)
    validate_config(vitals, text, name, env_of(container), files)
    return config
