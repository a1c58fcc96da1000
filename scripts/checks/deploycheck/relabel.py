"""Prometheus' relabelling (keep, drop, replace, labelmap), enough to run the `relabel_configs`
of deploy/prometheus/scrape.yml on the targets that pod discovery would make of our manifests."""
import re


def _template(replacement):
    """Prometheus writes `$1` / `${1}` / `$name`; Python's expand wants `\\g<1>`."""
    return re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", replacement)


def apply(rules, labels):
    """The labels after `rules`, or None when a keep/drop rule drops the target."""
    labels = dict(labels)
    for r in rules:
        action = r.get("action", "replace")
        regex = re.compile("^(?:" + r.get("regex", "(.*)") + ")$")
        value = r.get("separator", ";").join(labels.get(s, "") for s in r.get("source_labels", []))
        m = regex.match(value)
        if action == "keep" and not m:
            return None
        if action == "drop" and m:
            return None
        if action == "replace" and m:
            target = m.expand(_template(r.get("replacement", "$1")))
            if target:
                labels[r["target_label"]] = target
            else:
                labels.pop(r["target_label"], None)
        if action == "labelmap":
            for k, v in list(labels.items()):
                if regex.match(k):
                    labels[regex.sub(_template(r.get("replacement", "$1")), k)] = v
        if action not in ("keep", "drop", "replace", "labelmap"):
            raise ValueError(f"relabel action {action} is not simulated")
    return labels


def _sanitize(name):
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def pod_targets(namespace, pod_name, template):
    """The targets of Prometheus' `role: pod` discovery for one pod: one per declared container
    port, with the __meta_kubernetes_pod_* labels it documents."""
    meta = template.get("metadata") or {}
    common = {"__meta_kubernetes_namespace": namespace, "__meta_kubernetes_pod_name": pod_name,
              "__meta_kubernetes_pod_phase": "Running", "__meta_kubernetes_pod_ready": "true"}
    for k, v in (meta.get("labels") or {}).items():
        common["__meta_kubernetes_pod_label_" + _sanitize(k)] = str(v)
        common["__meta_kubernetes_pod_labelpresent_" + _sanitize(k)] = "true"
    for k, v in (meta.get("annotations") or {}).items():
        common["__meta_kubernetes_pod_annotation_" + _sanitize(k)] = str(v)
    for c in template["spec"]["containers"]:
        for p in c.get("ports") or []:
            yield {**common, "__address__": f"10.0.0.1:{p['containerPort']}",
                   "__meta_kubernetes_pod_container_name": c["name"],
                   "__meta_kubernetes_pod_container_port_name": p.get("name", ""),
                   "__meta_kubernetes_pod_container_port_number": str(p["containerPort"])}
