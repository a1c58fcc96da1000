"""deploy/kubernetes/*.yaml: what kubelet and Prometheus rely on, beyond the schema (which
kubernetes-validate checks): the probes follow Kubernetes' rules, the startup budget covers
spec section 4's startup, the pods are non-root with a read-only root, the ConfigMaps hold
configs `vitals validate` accepts and no secret, history is where it survives (pod.py), the
StatefulSet's --shard matches its replicas, a fleet is a Deployment with a
PodDisruptionBudget (pod.py), the shipped scrape config keeps exactly the Vitals
port of every pod, and the push-mode CronJob is sound (cronjob.py)."""
import glob
import os
import re

from common import DEPLOY, check, load, load_all, rel, startup_need
import cronjob
import pod
import relabel

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
STARTUP_MARGIN = 5  # seconds for the process itself to start and bind


def _probe(container, kind, name):
    probe = container.get(kind)
    if not check(probe and "httpGet" in probe, f"{name}: {kind} is missing or not httpGet"):
        return None, 0
    budget = probe.get("initialDelaySeconds", 0) + probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)
    port = probe["httpGet"]["port"]
    names = {p.get("name") for p in container.get("ports") or []} | {p["containerPort"] for p in container.get("ports") or []}
    check(port in names, f"{name}: {kind} port {port} is not one of the container's ports")
    return probe["httpGet"]["path"], budget


def _expand(arg, env):
    """Kubernetes' `$(VAR)` expansion in args (an undeclared VAR stays as written)."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), arg)


def _shard(workload, container, name):
    """A StatefulSet runs replica I with --shard I/N, N = replicas, I from the pod-index label."""
    spec = workload["spec"]
    check(spec.get("podManagementPolicy") == "Parallel",
          f"{name}: podManagementPolicy must be Parallel (OrderedReady stalls on one unready replica)")
    args = container.get("args") or []
    if not check("--shard" in args, f"{name}: a StatefulSet of Vitals needs --shard"):
        return
    refs = re.findall(r"\$\((\w+)\)", args[args.index("--shard") + 1])
    env = {e["name"]: e for e in container.get("env") or []}
    for ref in refs:
        field = ((env.get(ref) or {}).get("valueFrom") or {}).get("fieldRef", {}).get("fieldPath")
        check(field == "metadata.labels['apps.kubernetes.io/pod-index']",
              f"{name}: $({ref}) in --shard must come from the apps.kubernetes.io/pod-index label, not {field}")
    replicas = spec.get("replicas", 1)
    for ordinal in range(replicas):
        shard = _expand(args[args.index("--shard") + 1], {r: str(ordinal) for r in refs})
        # Shard.swift's grammar: I/N with 0 <= I < N.
        m = re.fullmatch(r"(\d+)/(\d+)", shard)
        check(m and int(m.group(1)) == ordinal and int(m.group(2)) == replicas,
              f"{name}: replica {ordinal} would run --shard {shard}, not {ordinal}/{replicas}")


def _workload(workload, docs, vitals, name):
    """Checks one workload's Vitals container; returns (is_sidecar, pod template)."""
    template = workload["spec"]["template"]
    containers = template["spec"]["containers"]
    ours = [c for c in containers if c["image"].split(":")[0].endswith("vitals")]
    if not check(len(ours) == 1, f"{name}: expected one Vitals container, found {len(ours)}"):
        return None
    c = ours[0]
    cname = f"{name} container {c['name']}"
    sidecar = len(containers) > 1
    check(any(p.get("name") == "vitals" for p in c.get("ports") or []),
          f"{cname}: no port named vitals (the name deploy/prometheus/scrape.yml scrapes)")
    startup, budget = _probe(c, "startupProbe", cname)
    live, _ = _probe(c, "livenessProbe", cname)
    ready, _ = _probe(c, "readinessProbe", cname)
    check(startup == "/health/startup", f"{cname}: startupProbe is {startup}, not /health/startup")
    check(live == "/health/live", f"{cname}: livenessProbe is {live}: liveness must never follow dependencies (/health/live)")
    if sidecar:
        check(ready == "/health/ready", f"{cname}: a sidecar's readiness is /health/ready, not {ready}")
        check(any((o.get("readinessProbe") or {}).get("httpGet", {}).get("path") == "/health/ready"
                  for o in containers if o is not c), f"{name}: the app's readiness does not follow Vitals' /health/ready")
    else:
        # Central: /health/ready would drop Vitals from its own Service and stall rollouts
        # while a watched dependency is down.
        check(ready in ("/health/live", "/health/startup"), f"{cname}: central readiness must not follow dependencies, is {ready}")
    pod.security(template, c, cname)
    text = pod.config_of(c, template, docs, cname)
    if text is not None:
        env = pod.env_of(c)
        config = pod.validate(vitals, text, c, template, docs, f"{cname} config")
        pod.storage(workload, template, c, config, docs, cname)
        need = startup_need(config) + STARTUP_MARGIN
        check(need <= budget <= 3 * need,
              f"{cname}: startupProbe allows {budget}s; the config needs {need}s (min(interval, 5s) + longest timeout + {STARTUP_MARGIN}s)")
        listen = (config.get("server") or {}).get("listen", "127.0.0.1:8080")
        host, port = listen.rsplit(":", 1)
        check(host in ("0.0.0.0", "[::]", ""), f"{cname}: config listens on {listen}: kubelet cannot reach it")
        port_of = {p.get("name"): p["containerPort"] for p in c.get("ports") or []}
        check(port_of.get("vitals") == int(port), f"{cname}: port vitals is {port_of.get('vitals')}, config listens on {port}")
        for a in c.get("args") or []:
            for ref in re.findall(r"\$\((\w+)\)", a):
                check(ref in env, f"{cname}: args use $({ref}) but env does not declare it")
    if workload["kind"] == "StatefulSet":
        _shard(workload, c, name)
    return sidecar


def check_manifests(vitals):
    scrape = load(os.path.join(DEPLOY, "prometheus", "scrape.yml"))
    job = next(j for j in scrape["scrape_configs"] if j["job_name"] == "vitals")
    kinds = set()
    for path in sorted(glob.glob(os.path.join(DEPLOY, "kubernetes", "*.yaml"))):
        docs = load_all(path)
        services = [d for d in docs if d["kind"] == "Service"]
        for cron in (d for d in docs if d["kind"] == "CronJob"):
            cronjob.check_cronjob(cron, docs, vitals, scrape, f"{rel(path)} CronJob/{cron['metadata']['name']}")
            kinds.add("CronJob")
        for w in (d for d in docs if d["kind"] in WORKLOADS):
            name = f"{rel(path)} {w['kind']}/{w['metadata']['name']}"
            sidecar = _workload(w, docs, vitals, name)
            if sidecar is None:
                continue
            template = w["spec"]["template"]
            labels = template["metadata"].get("labels") or {}
            selected = [s for s in services if s["spec"].get("selector") and
                        all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
            kinds.add("sidecar" if sidecar else f"{w['kind']}+Service" if selected else w["kind"])
            if w["kind"] == "StatefulSet":
                check(any(s["metadata"]["name"] == w["spec"].get("serviceName") for s in selected),
                      f"{name}: serviceName {w['spec'].get('serviceName')} is not a Service selecting its pods")
            # What Prometheus' pod discovery would make of this pod, through scrape.yml.
            kept = [t for t in (relabel.apply(job.get("relabel_configs") or [], t)
                                for t in relabel.pod_targets("default", f"{w['metadata']['name']}-0", template)) if t]
            names = [t["__meta_kubernetes_pod_container_name"] for t in kept]
            ours = [c["name"] for c in template["spec"]["containers"] if c["image"].split(":")[0].endswith("vitals")]
            check(names == ours, f"{name}: scrape.yml keeps the ports of {names}, not just Vitals' ({ours})")
            for t in kept:
                check(t.get("instance") == f"default/{w['metadata']['name']}-0", f"{name}: instance label is {t.get('instance')}")
    for want in ("sidecar", "Deployment+Service", "StatefulSet+Service", "CronJob"):
        check(want in kinds, f"deploy/kubernetes has no {want} (found {sorted(kinds)})")
