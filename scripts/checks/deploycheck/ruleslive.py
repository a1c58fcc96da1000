"""deploy/prometheus/rules.yml against the real Prometheus of the dashboard check, which
scrapes two Vitals replicas (SQLite storage, a rule held back by max_per_hour, a critical
component down) and a Pushgateway that `vitals check --push-gateway` pushed an unhealthy
result to, with honor_labels as deploy/prometheus/scrape.yml does:
- every series a rule reads exists there, with the labels the rule selects on (a renamed
  metric or label would leave a rule that can never fire, which promtool's unit tests,
  written by hand, cannot see);
- the rules this setup provokes fire for the right subject, and only for it: the pushed
  check's for its job and not VitalsServiceUnhealthy, the replicas' for job vitals, the rate
  limit's for the held-back rule."""
import os
import re

from common import DEPLOY, fail, load
import live

KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "inf", "nan"}


def selectors(expr):
    """The series selectors of a PromQL expression (`name{matchers}` or `name`): what is left
    once grouping label lists, ranges and function names are set aside."""
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    out = []
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\{[^}]*\})?", expr):
        name = m.group(0).split("{")[0].strip()
        before = expr[:m.start()]
        if name in KEYWORDS or expr[m.end():].lstrip().startswith("(") or re.search(r"[\d.]$", before):
            continue
        out.append(m.group(0).replace(" ", ""))
    return out


def check_live(prometheus, push_job, timeout="90"):
    rules = [r for g in load(os.path.join(DEPLOY, "prometheus", "rules.yml"))["groups"] for r in g["rules"]]
    # (alert, labels it must carry): pending or firing.
    wanted = [("VitalsPushedCheckUnhealthy", {"job": push_job}),
              ("VitalsServiceUnhealthy", {"job": "vitals"}),
              ("VitalsAlertsRateLimited", {"job": "vitals", "alert": "closed-port-down"})]
    unwanted = [("VitalsServiceUnhealthy", {"job": push_job}),
                ("VitalsPushedCheckUnhealthy", {"job": "vitals"}),
                ("VitalsPushedCheckStale", {"job": push_job})]

    def active(name, labels):
        return any(a["metric"].get("alertname") == name and all(a["metric"].get(k) == v for k, v in labels.items())
                   for a in live.query(prometheus, "ALERTS"))

    def attempt():
        pending = {}
        for r in rules:
            for s in selectors(r["expr"]):
                if not live.query(prometheus, s):
                    pending[f"{r['alert']}: {s}"] = "no such series from real Vitals and Pushgateway"
        for name, labels in wanted:
            if not active(name, labels):
                pending[f"{name} {labels}"] = "not pending or firing"
        return pending

    if not live.wait(timeout, attempt, "rules live"):
        return
    # Once the provoked alerts are active, the others are evaluated on the same data.
    wrong = [(name, labels) for name, labels in unwanted if active(name, labels)]
    for name, labels in wrong:
        fail(f"rules live: {name} {labels} is active: it must not be")
    if not wrong:
        print(f"check-deploy rules-live: the {len(rules)} rules read existing series; {len(wanted)} provoked alerts active, {len(unwanted)} others not")
