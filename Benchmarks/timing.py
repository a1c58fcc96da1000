"""Timed requests for the benchmark scripts' Python clients: keep-alive connections by key,
each request's time in milliseconds, and percentiles."""
import http.client
import sys
import time


class Client:
    def __init__(self, port, timeout=10):
        self.port, self.timeout, self.conns = port, timeout, {}

    def get(self, path, key="h"):
        """(milliseconds, body) of one GET on the connection `key`; exits on anything but 200."""
        c = self.conns.setdefault(key, http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout))
        t = time.perf_counter()
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        dt = (time.perf_counter() - t) * 1000
        if r.status != 200:
            sys.exit(f"FAIL: {path} answered {r.status}: {body[:200]!r}")
        return dt, body


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]
