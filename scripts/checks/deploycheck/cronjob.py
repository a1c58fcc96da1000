"""A CronJob running `vitals check --push-gateway` (push mode): what the Job controller and
Prometheus rely on beyond the schema. Its Pushgateway is scraped with honor_labels (or the
pushed `job` is renamed and the rules miss it); a degraded or unhealthy answer (exit 1, 2)
fails the Job without a retry while exit 3 and crashes are retried; the Job's deadline leaves
room for those retries and ends before the next run is due; runs do not overlap."""
import re
import urllib.parse

from common import check, seconds
import pod

PUSH_TIMEOUT = 10      # seconds: PushGateway.timeout in Sources/vitals/PushGateway.swift
START_MARGIN = 5       # seconds for the pod and the process to start
BACKOFF = 10           # seconds: the Job controller's first retry delay, doubled for each next one


def _flag(args, name):
    return args[args.index(name) + 1] if name in args and args.index(name) + 1 < len(args) else None


def _period(schedule):
    """Seconds between runs of the simple schedules (`*/N * * * *`, `M * * * *`,
    `M H * * *`), else None."""
    fields = schedule.split()
    if len(fields) != 5 or fields[2:] != ["*", "*", "*"]:
        return None
    minute, hour = fields[0], fields[1]
    if m := re.fullmatch(r"\*/(\d+)", minute):
        return int(m.group(1)) * 60 if hour == "*" else None
    if minute.isdigit():
        return 3600 if hour == "*" else 86400 if hour.isdigit() else None
    return None


def _longest_timeout(config):
    default = (config.get("defaults") or {}).get("timeout", "2s")
    return max([seconds(c.get("timeout", default)) for c in config.get("components") or []] or [seconds(default)])


def _scraped_with_honor_labels(url, scrape):
    """Whether a job of scrape.yml scrapes the Pushgateway at `url` with honor_labels."""
    parts = urllib.parse.urlsplit(url)
    target = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    for job in scrape["scrape_configs"]:
        targets = [t for sc in job.get("static_configs") or [] for t in sc.get("targets") or []]
        if target in targets:
            return job.get("honor_labels") is True, job["job_name"]
    return None, None


def check_cronjob(cron, docs, vitals, scrape, name):
    spec = cron["spec"]
    job = spec["jobTemplate"]["spec"]
    template = job["template"]
    containers = template["spec"]["containers"]
    ours = [c for c in containers if c["image"].split(":")[0].endswith("vitals")]
    if not check(len(ours) == 1, f"{name}: expected one Vitals container, found {len(ours)}"):
        return
    c = ours[0]
    cname = f"{name} container {c['name']}"
    args = c.get("args") or []
    check(args[:1] == ["check"], f"{cname}: runs {args[:1]}, not `vitals check`")
    gateway, job_name = _flag(args, "--push-gateway"), _flag(args, "--job")
    if check(gateway and urllib.parse.urlsplit(gateway).scheme in ("http", "https"), f"{cname}: no --push-gateway http(s) URL"):
        honored, scrape_job = _scraped_with_honor_labels(gateway, scrape)
        check(honored is not None, f"{cname}: no job of deploy/prometheus/scrape.yml scrapes the Pushgateway {gateway}")
        check(honored is not False, f"{cname}: scrape.yml job {scrape_job} scrapes {gateway} without honor_labels: true (job would become exported_job)")
    check(job_name, f"{cname}: no --job: every CronJob pushing under the default job `vitals` would replace the others' results")

    check(spec.get("concurrencyPolicy") == "Forbid", f"{name}: concurrencyPolicy must be Forbid (two runs replace each other's group)")
    check(template["spec"].get("restartPolicy") == "Never", f"{name}: restartPolicy must be Never (podFailurePolicy needs it)")
    fail_job = set()
    for rule in (job.get("podFailurePolicy") or {}).get("rules") or []:
        codes = rule.get("onExitCodes") or {}
        if rule.get("action") == "FailJob" and codes.get("operator") == "In" and codes.get("containerName", c["name"]) == c["name"]:
            fail_job |= set(codes.get("values") or [])
    check(fail_job == {1, 2}, f"{name}: podFailurePolicy must fail the Job on exit 1 and 2 (degraded, unhealthy: an answer, already pushed) "
                              f"and on nothing else, not {sorted(fail_job)}")
    retries = job.get("backoffLimit", 6)
    check(retries >= 1, f"{name}: backoffLimit {retries}: a failed push (exit 3) is never tried again")

    pod.security(template, c, cname)
    text = pod.config_of(c, template, docs, cname)
    if text is None:
        return
    config = pod.validate(vitals, text, c, template, docs, f"{cname} config")
    attempt = _longest_timeout(config) + PUSH_TIMEOUT + START_MARGIN
    need = (retries + 1) * attempt + sum(BACKOFF * 2 ** i for i in range(retries))
    deadline = job.get("activeDeadlineSeconds")
    check(deadline is not None and deadline >= need,
          f"{name}: activeDeadlineSeconds {deadline}: {retries + 1} runs of {attempt}s (longest timeout + push + start) and their backoff need {need}s")
    period = _period(spec["schedule"])
    if deadline is not None and period is not None:
        check(deadline < period, f"{name}: activeDeadlineSeconds {deadline} is not shorter than the schedule's {period}s")
