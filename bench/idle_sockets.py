"""Idle sockets: opens M authenticated sockets to one daphne process and reports the server's
memory per idle socket (RSS growth / M), after 20 warm-up sockets have loaded Django, the ORM
and the consumer code. Each socket receives `hello` and then stays silent (the notification
bell on any page). Sockets take turns over `--users` members' sessions. Commands
(docs/performance.md):

    .venv/bin/python -m bench.idle_sockets --sockets 5000
    # each also joined to one room (adds join state, a presence row, and O(M²) presence frames):
    .venv/bin/python -m bench.idle_sockets --sockets 5000 --join
"""

import argparse
import asyncio
import time

from bench.chat import ChatSocket, Ledger
from bench.common import (
    Run,
    add_mode_arguments,
    make_room,
    mode_from_args,
    prepare,
    raise_open_files_limit,
    run_async,
    start_kindred_servers,
    stop_all,
)

WARM_UP_SOCKETS = 20


async def open_many(sockets: list[ChatSocket], *, join: bool, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(chat: ChatSocket) -> None:
        async with gate:
            await chat.open()
            if join:
                await chat.join(resume=False)

    started = time.perf_counter()
    await asyncio.gather(*(one(chat) for chat in sockets))
    return time.perf_counter() - started


async def measure(*, server, room, args) -> dict:
    ledger = Ledger()

    def sockets(count: int, offset: int) -> list[ChatSocket]:
        return [
            ChatSocket(
                member=room.members[(offset + number) % len(room.members)],
                port=server.port,
                conversation_id=room.conversation_id,
                ledger=ledger,
                index=offset + number,
            )
            for number in range(count)
        ]

    warm = sockets(WARM_UP_SOCKETS, 0)
    await open_many(warm, join=args.join, concurrency=args.concurrency)
    await asyncio.sleep(2)
    before = server.rss()
    opened = sockets(args.sockets, WARM_UP_SOCKETS)
    open_seconds = await open_many(opened, join=args.join, concurrency=args.concurrency)
    await asyncio.sleep(3)  # let the last joins' work and any presence frames finish
    after = server.rss()
    still_open = sum(1 for chat in opened if chat.client.is_open)
    for chat in [*warm, *opened]:
        chat.abort()
    return {
        "sockets": args.sockets,
        "still_open_at_measurement": still_open,
        "users": len(room.members),
        "joined_room": args.join,
        "rss_before_mb": round(before / 2**20, 1),
        "rss_after_mb": round(after / 2**20, 1),
        "bytes_per_socket": int((after - before) / args.sockets),
        "kb_per_socket": round((after - before) / args.sockets / 1024, 1),
        "open_seconds": round(open_seconds, 1),
        "errors": dict(ledger.errors),
        "server": server.stats(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_mode_arguments(parser, procs=False)
    parser.add_argument("--sockets", type=int, default=5000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--join", action="store_true")
    parser.add_argument("--concurrency", type=int, default=50, help="handshakes in flight")
    args = parser.parse_args()
    mode = mode_from_args(parser, args)
    run = Run("idle_sockets", mode)
    # Both ends of every socket are in this machine's processes: the server's and ours.
    limit = raise_open_files_limit(args.sockets + WARM_UP_SOCKETS + 512)
    if limit < args.sockets + WARM_UP_SOCKETS + 64:
        parser.error(f"the open files limit is {limit}: too low for {args.sockets} sockets")
    prepare(mode)
    room = make_room(members=args.users, name="Idle room")
    (server,) = start_kindred_servers(mode)
    try:
        results = run_async(measure(server=server, room=room, args=args))
    finally:
        stop_all([server])
    run.finish(results)


if __name__ == "__main__":
    main()
