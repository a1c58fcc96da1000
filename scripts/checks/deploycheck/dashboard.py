"""deploy/grafana/vitals-dashboard.json: every panel has a unit and follows the $instance
variable, the breakdown is per instance, and (live) every PromQL expression returns data from
a real Prometheus scraping real Vitals replicas with the shipped rules loaded."""
import json
import os
import re
import urllib.request

from common import DEPLOY, check
import live

DASHBOARD = os.path.join(DEPLOY, "grafana", "vitals-dashboard.json")
# What Grafana puts in place of its variables, for a Prometheus scraping every second.
VARIABLES = {"$__rate_interval": "15s", "$__interval": "1s", "$__range": "1m", "$instance": ".*", "${instance}": ".*"}


def panels():
    with open(DASHBOARD) as f:
        d = json.load(f)
    return d, [p for p in d["panels"] if p.get("type") != "row"]


def expressions():
    """(panel title, PromQL with Grafana's variables substituted) for every target."""
    out = []
    for p in panels()[1]:
        for t in p.get("targets") or []:
            expr = t["expr"]
            for k in sorted(VARIABLES, key=len, reverse=True):
                expr = expr.replace(k, VARIABLES[k])
            out.append((p["title"], expr))
    return out


def check_static():
    d, ps = panels()
    names = [v["name"] for v in d.get("templating", {}).get("list", [])]
    check("instance" in names, "dashboard: no $instance variable")
    per_instance = 0
    for p in ps:
        defaults = p.get("fieldConfig", {}).get("defaults", {})
        unit = defaults.get("unit")
        check(unit, f"dashboard panel {p['title']!r}: no unit")
        check(unit != "none" or defaults.get("mappings"), f"dashboard panel {p['title']!r}: unit none without value mappings")
        for t in p.get("targets") or []:
            check("$instance" in t["expr"], f"dashboard panel {p['title']!r}: {t['expr']} ignores $instance")
            if re.search(r"by \([^)]*\binstance\b", t["expr"]) or ("{{instance}}" in t.get("legendFormat", "")):
                per_instance += 1
    check(per_instance >= len(ps) - 1, f"dashboard: only {per_instance} of {len(ps)} panels break down per instance")
    status = [p for p in ps if p["title"].lower().startswith("service status")]
    if check(len(status) == 1, "dashboard: no single 'Service status' panel"):
        # With two replicas, one value per instance: never `max by (status)` over all of them.
        for t in status[0]["targets"]:
            check(re.search(r"by \(instance\)", t["expr"]) and "{{instance}}" in t.get("legendFormat", ""),
                  f"dashboard: the Service status panel is not one value per instance: {t['expr']}")
    for title, expr in expressions():
        check("$" not in expr, f"dashboard panel {title!r}: unknown variable left in {expr}")


def check_live(prometheus, replicas, timeout="90"):
    """Waits (bounded) until Prometheus has the shipped rules loaded, every replica up and every
    expression of the dashboard answering at least one sample that is a number."""
    replicas = int(replicas)

    def attempt():
        with urllib.request.urlopen(prometheus + "/api/v1/rules", timeout=5) as r:
            groups = [g["name"] for g in json.load(r)["data"]["groups"]]
        up = live.query(prometheus, 'up{job="vitals"} == 1')
        pending = {}
        if "vitals" not in groups:
            pending["rules"] = f"rule groups loaded: {groups}"
        if len(up) != replicas:
            pending["up"] = f"{len(up)} of {replicas} replicas up"
        for title, expr in expressions():
            result = live.query(prometheus, expr)
            numbers = [s for s in result if s["value"][1] not in ("NaN", "+Inf", "-Inf")]
            instances = {s["metric"].get("instance") for s in result}
            if not numbers:
                pending[title + ": " + expr] = f"no data ({len(result)} series, none a number)"
            elif "by (instance" in expr and len(instances) < replicas:
                pending[title + ": " + expr] = f"data from {len(instances)} of {replicas} instances"
        return pending

    if live.wait(timeout, attempt, "dashboard live"):
        print(f"check-deploy dashboard: all {len(expressions())} expressions return data from {replicas} replicas")
