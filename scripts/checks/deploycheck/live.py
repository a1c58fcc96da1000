"""What the live checks share: Prometheus' query API, and waiting (bounded) until a condition
holds, since scrapes and rule evaluations arrive on their own schedule."""
import json
import time
import urllib.parse
import urllib.request

from common import fail


def query(prometheus, expr):
    """The instant vector of `expr`; ValueError when Prometheus refuses it."""
    url = prometheus + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise ValueError(body)
    return body["data"]["result"]


def wait(timeout, attempt, what):
    """Calls `attempt` once a second until it returns no pending item ({thing: why not yet}),
    then returns True; after `timeout` seconds each pending item is a failure named `what`."""
    deadline, pending = time.monotonic() + float(timeout), {}
    while time.monotonic() < deadline:
        try:
            pending = attempt()
            if not pending:
                return True
        except (OSError, ValueError) as e:
            pending = {"prometheus": str(e)}
        time.sleep(1)
    for thing, why in pending.items():
        fail(f"{what}: {thing}: {why}")
    return False
