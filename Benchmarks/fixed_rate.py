"""Benchmark load at a fixed rate, as a scraper drives a target: GET URL RATE times a second for
SECONDS, evenly spread over WORKERS keep-alive connections. Prints how many answered 200.

    python3 fixed_rate.py URL RATE SECONDS [WORKERS]
"""
import http.client
import sys
import threading
import time
import urllib.parse

url, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
workers = int(sys.argv[4]) if len(sys.argv) > 4 else 8
parts = urllib.parse.urlsplit(url)
path = parts.path + ("?" + parts.query if parts.query else "")
answered = [0] * workers
start = time.monotonic()


def work(i):
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    period = workers / rate
    first = start + i * period / workers
    n = 0
    while True:
        due = first + n * period
        if due > start + seconds:
            break
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status == 200:
            answered[i] += 1
        n += 1


threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sum(answered))
