"""deploy/prometheus/scrape.yml for promtool: Debian's Prometheus is built without Kubernetes
discovery, so `promtool check config` rejects `kubernetes_sd_configs`. This writes the same
jobs with that discovery replaced by a static target, so promtool checks everything else
(relabel regexes, fields, the rules); kubernetes.py runs the relabelling on our pods. Jobs
with static targets (the Pushgateway's) are kept as they are."""
import os

import yaml

from common import DEPLOY, check, load


def write_checkable(out):
    config = load(os.path.join(DEPLOY, "prometheus", "scrape.yml"))
    for job in config["scrape_configs"]:
        if "static_configs" in job:
            continue
        sd = job.pop("kubernetes_sd_configs", None)
        check(sd and all(s.get("role") == "pod" for s in sd), f"scrape.yml: job {job['job_name']} does not discover pods")
        job["static_configs"] = [{"targets": ["10.0.0.1:8080"]}]
    config["rule_files"] = [os.path.join(DEPLOY, "prometheus", "rules.yml")]
    with open(out, "w") as f:
        yaml.safe_dump(config, f)
