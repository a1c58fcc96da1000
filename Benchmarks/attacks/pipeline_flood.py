#!/usr/bin/env python3
"""Pipelining flood (issue 26): clients that send requests back to back and never read.

Each client connects from its own loopback source address with a small receive buffer, then
writes `GET PATH HTTP/1.1` requests as fast as the server takes them, reading nothing. A
server without backpressure queues the answers in memory without bound. A connection the
server closes (a stall deadline, a cap) is opened again at once, as an attacker would.

    pipeline_flood.py HOST PORT SECONDS CLIENTS [SOURCE...] [--path /health/live]

SOURCE addresses are used in turn (127.0.0.2 127.0.0.3 ...; all of 127/8 is local on Linux);
without any, the system picks. Prints one line on exit:
`pipeline_flood sent_bytes=N requests=N reconnects=N refused=N`.
"""
import argparse
import selectors
import socket
import sys
import time


def connect(host, port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Before connect, so the window the client advertises stays small from the start.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    if source:
        s.bind((source, 0))
    s.settimeout(2)
    s.connect((host, port))
    s.setblocking(False)
    return s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("seconds", type=float)
    parser.add_argument("clients", type=int)
    parser.add_argument("sources", nargs="*")
    parser.add_argument("--path", default="/health/live")
    args = parser.parse_args()

    request = f"GET {args.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    burst = request * (65536 // len(request))
    sel = selectors.DefaultSelector()
    stats = {"sent": 0, "reconnects": 0, "refused": 0}

    def open_client(i):
        source = args.sources[i % len(args.sources)] if args.sources else None
        try:
            s = connect(args.host, args.port, source)
        except OSError:
            stats["refused"] += 1
            return False
        sel.register(s, selectors.EVENT_WRITE, (i, 0))
        return True

    for i in range(args.clients):
        open_client(i)
    deadline = time.monotonic() + args.seconds
    closed = []
    while time.monotonic() < deadline:
        # Reopen what the server closed, at most every 50 ms per client (no busy loop when the
        # server refuses connections).
        for i in [c for c, at in closed if time.monotonic() - at > 0.05]:
            closed = [(c, at) for c, at in closed if c != i]
            stats["reconnects"] += 1
            if not open_client(i):
                closed.append((i, time.monotonic()))
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            i, offset = key.data
            try:
                n = s.send(burst[offset:])
            except BlockingIOError:
                continue
            except OSError:
                sel.unregister(s)
                s.close()
                closed.append((i, time.monotonic()))
                continue
            stats["sent"] += n
            sel.modify(s, selectors.EVENT_WRITE, (i, (offset + n) % len(request)))
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    print(
        f"pipeline_flood sent_bytes={stats['sent']} requests={stats['sent'] // len(request)} "
        f"reconnects={stats['reconnects']} refused={stats['refused']}"
    )


if __name__ == "__main__":
    sys.exit(main())
