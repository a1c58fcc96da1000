#!/usr/bin/env python3
"""An echo peer for the icmp probe tests, answering pings itself over raw sockets.

Runs inside the test's network namespace, whose kernel is told not to answer pings
(net.ipv4.icmp_echo_ignore_all, net.ipv6.icmp.echo_ignore_all), so every reply the probe sees
is one this program sent: after --delay-ms, none for odd sequence numbers with --drop-odd,
--copies times each, and with --junk first three replies at once that must not count (another
identifier, a payload without the probe's cookie, a bad IPv4 checksum) and one for a sequence
number never sent. Prints "ready" once listening; exits when its stdin closes.
"""
import argparse
import heapq
import select
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def echo(v6, ident, seq, payload, corrupt=False):
    kind = 129 if v6 else 0
    head = struct.pack("!BBHHH", kind, 0, 0, ident, seq)
    if v6:
        return head + payload  # the kernel computes ICMPv6 checksums
    s = checksum(head + payload) ^ (1 if corrupt else 0)
    return struct.pack("!BBHHH", kind, 0, s, ident, seq) + payload


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--delay-ms", type=float, default=0)
    p.add_argument("--drop-odd", action="store_true")
    p.add_argument("--copies", type=int, default=1)
    p.add_argument("--junk", action="store_true")
    a = p.parse_args()

    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    print("ready", flush=True)
    pending = []  # (due, n, socket, address, packet)
    n = 0
    while True:
        wait = max(0.0, pending[0][0] - time.monotonic()) if pending else None
        readable, _, _ = select.select([s4, s6, sys.stdin], [], [], wait)
        if sys.stdin in readable and not sys.stdin.buffer.read1(64):
            return
        for s in (x for x in readable if x is not sys.stdin):
            data, addr = s.recvfrom(4096)
            v6 = s is s6
            icmp = data if v6 else data[(data[0] & 0x0F) * 4:]
            if len(icmp) < 8 or icmp[0] != (128 if v6 else 8):
                continue
            ident, seq = struct.unpack("!HH", icmp[4:8])
            payload = icmp[8:]
            now = time.monotonic()
            if a.junk:
                junk = [
                    echo(v6, ident ^ 0xFFFF, seq, payload),
                    echo(v6, ident, seq, bytes(b ^ 0xFF for b in payload)),
                    echo(v6, ident, (seq + 1000) & 0xFFFF, payload),
                ]
                if not v6:
                    junk.append(echo(v6, ident, seq, payload, corrupt=True))
                for packet in junk:
                    n += 1
                    heapq.heappush(pending, (now, n, s, addr, packet))
            if a.drop_odd and seq % 2:
                continue
            for _ in range(a.copies):
                n += 1
                heapq.heappush(pending, (now + a.delay_ms / 1000, n, s, addr, echo(v6, ident, seq, payload)))
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, s, addr, packet = heapq.heappop(pending)
            try:
                s.sendto(packet, addr)
            except OSError:
                pass  # a full send buffer during a flood drops the copy, as a network would


if __name__ == "__main__":
    main()
