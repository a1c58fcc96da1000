"""deploy/compose.yaml beyond its schema (check-jsonschema checks that): every file it mounts
and builds from exists, the configs it mounts are the ones the services read and are valid,
what those configs name (Prometheus' rule files, Grafana's dashboard folder) is mounted,
Vitals' SQLite history is on a named volume (its root is read-only, and a volume outlives the
container), and a Pushgateway is scraped with honor_labels."""
import os
import subprocess

import yaml

from common import DEPLOY, check, load, rel, validate_config

COMPOSE = os.path.join(DEPLOY, "compose.yaml")


def _mounts(service):
    """{path in the container: path on the host} of the bind mounts (short syntax)."""
    out = {}
    for v in service.get("volumes") or []:
        source, target = (v.split(":")[0], v.split(":")[1]) if isinstance(v, str) else (v.get("source"), v.get("target"))
        if source.startswith((".", "/")):
            out[target] = os.path.normpath(os.path.join(DEPLOY, source))
    return out


def _flag(service, name):
    for arg in service.get("command") or []:
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    args = service.get("command") or []
    return args[args.index(name) + 1] if name in args else None


def _storage(compose, service, config, name):
    """SQLite history under a named volume of the service, declared at the top level."""
    storage = config.get("storage") or {}
    if storage.get("type") != "sqlite":
        return
    path = storage.get("path", ".vitals/state.db")
    named = {}
    for v in service.get("volumes") or []:
        source, target = (v.split(":")[0], v.split(":")[1]) if isinstance(v, str) else (v.get("source"), v.get("target"))
        if not source.startswith((".", "/")):
            named[target] = source
    under = [t for t in named if path.startswith(t.rstrip("/") + "/")]
    if check(under, f"{name}: storage.path {path} is on no named volume of the vitals service: "
                    f"{'its root is read-only' if service.get('read_only') else 'history would go with the container'}"):
        check(named[under[0]] in (compose.get("volumes") or {}), f"compose.yaml: volume {named[under[0]]} is not declared under volumes:")


def check_compose(vitals):
    compose = load(COMPOSE)
    services = compose["services"]
    for want in ("vitals", "prometheus", "alertmanager", "grafana"):
        check(want in services, f"compose.yaml: no {want} service")
    mounts = {}
    for name, s in services.items():
        mounts[name] = _mounts(s)
        for target, host in mounts[name].items():
            check(os.path.exists(host), f"compose.yaml: {name} mounts {rel(host)} (at {target}), which does not exist")
        build = s.get("build")
        if build:
            context = os.path.normpath(os.path.join(DEPLOY, build["context"] if isinstance(build, dict) else build))
            check(os.path.isdir(context), f"compose.yaml: {name} builds from {context}, not a folder")
            if isinstance(build, dict) and "dockerfile" in build:
                check(os.path.isfile(os.path.join(context, build["dockerfile"])), f"compose.yaml: {name}'s {build['dockerfile']} does not exist")

    vitals_config = mounts["vitals"].get(_flag(services["vitals"], "--config"))
    if check(vitals_config, "compose.yaml: vitals' --config is not a mounted file"):
        with open(vitals_config) as f:
            text = f.read()
        validate_config(vitals, text, f"compose.yaml vitals config {rel(vitals_config)}")
        _storage(compose, services["vitals"], yaml.safe_load(text) or {}, rel(vitals_config))

    prom_config_path = _flag(services["prometheus"], "--config.file")
    prom_config = mounts["prometheus"].get(prom_config_path)
    if check(prom_config, f"compose.yaml: prometheus' --config.file {prom_config_path} is not mounted"):
        for rule_file in load(prom_config).get("rule_files") or []:
            inside = os.path.join(os.path.dirname(prom_config_path), rule_file)
            check(inside in mounts["prometheus"], f"compose.yaml: prometheus.yml loads {rule_file}, not mounted at {inside}")
        for job in load(prom_config)["scrape_configs"]:
            for sc in job.get("static_configs") or []:
                for target in sc["targets"]:
                    service = services.get(target.split(":")[0])
                    check(service, f"prometheus.yml: target {target} is not a compose service")
                    if service and "pushgateway" in service.get("image", ""):
                        check(job.get("honor_labels") is True,
                              f"prometheus.yml: job {job['job_name']} scrapes the Pushgateway without honor_labels: true (pushed job would become exported_job)")

    am_path = _flag(services["alertmanager"], "--config.file")
    check(am_path in mounts["alertmanager"], f"compose.yaml: alertmanager's --config.file {am_path} is not mounted")

    grafana = mounts["grafana"]
    providers = [load(h) for t, h in grafana.items() if t.startswith("/etc/grafana/provisioning/dashboards/")]
    datasources = [load(h) for t, h in grafana.items() if t.startswith("/etc/grafana/provisioning/datasources/")]
    check(datasources and any(d["type"] == "prometheus" for ds in datasources for d in ds["datasources"]),
          "compose.yaml: grafana has no Prometheus data source provisioned")
    folders = [p["options"]["path"] for pr in providers for p in pr["providers"]]
    dashboard = os.path.join(DEPLOY, "grafana", "vitals-dashboard.json")
    check(any(h == dashboard and os.path.dirname(t) in folders for t, h in grafana.items()),
          f"compose.yaml: grafana does not mount vitals-dashboard.json into a provisioned folder ({folders})")
    if am_path in mounts["alertmanager"]:
        run = subprocess.run(["amtool", "check-config", mounts["alertmanager"][am_path]], capture_output=True, text=True)
        check(run.returncode == 0, f"amtool check-config {rel(mounts['alertmanager'][am_path])}: {run.stdout}{run.stderr}")
