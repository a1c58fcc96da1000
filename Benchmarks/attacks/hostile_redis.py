#!/usr/bin/env python3
"""A "Redis" that answers every connection with a huge aggregate header and nothing after it.

    hostile_redis.py PORT [KIND]

KIND is one of
  flat    *2147483646            an array just below INT_MAX
  nested  *1 / *2147483000       the same one level down
  deep    *1 (x7) / *2147483000  at hiredis 0.14's deepest nesting
  map     %2147483646            a RESP3 map (hiredis 0.14 parses RESP2 only)
  rotate  the kinds above in turn, one per connection (the default)

hiredis 0.14 allocates a pointer per declared element as soon as it reads the length; a client
without a budget for aggregate lengths reserves 16 GB per connection and spends minutes freeing
it. Listens on 127.0.0.1:PORT (0: any free port) and prints the port. Runs until killed.
For Benchmarks/abuse.sh and Tests/IntegrationTests/HostileRedisTests.swift.
"""
import asyncio
import itertools
import sys

KINDS = {
    "flat": b"*2147483646\r\n",
    "nested": b"*1\r\n*2147483000\r\n",
    "deep": b"*1\r\n" * 7 + b"*2147483000\r\n",
    "map": b"%2147483646\r\n",
}


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    kind = sys.argv[2] if len(sys.argv) > 2 else "rotate"
    if kind != "rotate" and kind not in KINDS:
        sys.exit(f"unknown kind {kind}: one of {', '.join(KINDS)}, rotate")
    turn = itertools.cycle(KINDS.values()) if kind == "rotate" else itertools.repeat(KINDS[kind])

    async def answer(reader, writer):
        try:
            await reader.read(65536)  # the pipelined commands, whatever they are
            writer.write(next(turn))
            await writer.drain()
            # Hold the connection open, sending nothing more: a client waiting for the
            # elements waits until its own timeout.
            while await reader.read(65536):
                pass
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
