"""Idle sockets: opens M authenticated sockets to one daphne process (embedded mode) and
reports the server's memory per idle socket (RSS growth / M). Usage:

    .venv/bin/python -m bench.idle_sockets --sockets 2000
    .venv/bin/python -m bench.idle_sockets --sockets 2000 --join   # each also joined to a room
"""

import argparse
import asyncio
import gc
import json
import time

import websockets

from bench.common import Server, make_room, raise_open_files_limit, setup_django


async def open_socket(server, cookie, room_id=None):
    connection = await websockets.connect(
        server.url,
        origin=server.origin,
        additional_headers={"Cookie": cookie},
        compression=None,
    )
    await connection.recv()  # hello
    if room_id is not None:
        await connection.send(json.dumps({"type": "join", "conversation_id": room_id}))
        while json.loads(await connection.recv())["type"] != "messages":
            pass
    return connection


async def run(count: int, users: int, join: bool, room_id: int, cookies: list[str]):
    server = Server()
    try:
        # Warm up: the first sockets load Django, the ORM and the consumer code.
        warm = [
            await open_socket(server, cookies[i % users], room_id if join else None)
            for i in range(20)
        ]
        await asyncio.sleep(2)
        before = server.rss()
        connections = []
        started = time.perf_counter()
        for number in range(count):
            connections.append(
                await open_socket(server, cookies[number % users], room_id if join else None)
            )
        opened_in = time.perf_counter() - started
        await asyncio.sleep(3)
        after = server.rss()
        gc.collect()
        report = {
            "sockets": count,
            "joined_room": join,
            "rss_before_mb": round(before / 2**20, 1),
            "rss_after_mb": round(after / 2**20, 1),
            "bytes_per_socket": int((after - before) / count),
            "kb_per_socket": round((after - before) / count / 1024, 1),
            "open_seconds": round(opened_in, 1),
        }
        print(json.dumps(report, indent=2))
        for connection in [*warm, *connections]:
            await connection.close()
        return report
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--join", action="store_true")
    args = parser.parse_args()
    raise_open_files_limit(args.sockets + 512)
    setup_django()
    room_id, cookies = make_room(members=args.users, name="Idle room")
    asyncio.run(run(args.sockets, args.users, args.join, room_id, cookies))


if __name__ == "__main__":
    main()
