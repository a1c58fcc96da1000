#!/usr/bin/env python3
"""Dependencies that misbehave, for Benchmarks/soak.sh: prints three ports, one per line.

hung:  accepts, reads, never answers (the probe ends at its timeout);
reset: accepts and closes with a TCP reset (SO_LINGER 0);
slow:  answers 200 after 300 ms.
Runs until killed.
"""
import asyncio, socket, struct, sys


async def hung(reader, writer):
    try:
        while await reader.read(65536):
            pass
    finally:
        writer.close()


async def reset(reader, writer):
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def slow(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            await asyncio.sleep(0.3)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    servers = [await asyncio.start_server(h, "127.0.0.1", 0, backlog=4096) for h in (hung, reset, slow)]
    for s in servers:
        print(s.sockets[0].getsockname()[1])
    sys.stdout.flush()
    await asyncio.gather(*(s.serve_forever() for s in servers))


asyncio.run(main())
