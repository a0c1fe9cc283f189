"""Reconnect storm: C sockets of C distinct members joined to one room; then every server
process is killed with SIGKILL and started again on the same port. While the servers are down,
messages are posted straight through the service (messaging.services.conversations
.post_message, as a view or a management command would); after the restart, one more member's
socket posts more while the others storm back. Every client reconnects like a browser tab
(0.25–0.5 s, then doubling up to 15–30 s, with jitter) and re-joins with its resume cursor.

Reports the time until every client has resumed (its re-join fully answered), counted from
the moment the servers listen again and from the kill, and checks that each client received
every message (before, during and after the outage) exactly once and in order by seq.
Commands (docs/performance.md):

    .venv/bin/python -m bench.reconnect_storm --mode embedded --clients 1000
    .venv/bin/python -m bench.reconnect_storm --mode production --procs 2 --clients 1000
"""

import argparse
import asyncio
import functools
import itertools
import time
from collections import Counter

from bench.chat import ChatSocket, Ledger
from bench.client import HandshakeError, new_bench_client_id
from bench.common import (
    CpuWindow,
    Room,
    Run,
    ServerProcess,
    add_mode_arguments,
    make_room,
    mode_from_args,
    percentiles,
    prepare,
    raise_open_files_limit,
    run_async,
    start_all,
    start_kindred_servers,
    stop_all,
    wait_until_idle,
)
from bench.load import open_sockets


def post_through_service(*, conversation_id: int, user_ids: list[int], numbers: list[int]):
    """Posts one message per number, the authors taking turns, the way code outside a
    consumer does; returns the stored ids. Runs in a worker thread (the ORM is synchronous)."""
    from django.db import connection

    from community.models import User
    from messaging.permissions import get_conversation_access_or_404
    from messaging.services.conversations import post_message

    try:
        users = User.objects.select_related("profile").in_bulk(user_ids)
        return [
            post_message(
                access=get_conversation_access_or_404(
                    user=users[user_id], conversation_id=conversation_id
                ),
                sender=users[user_id],
                body=f"posted while the servers were down ({number})",
                client_id=new_bench_client_id(number),
            ).pk
            for number, user_id in zip(numbers, itertools.cycle(user_ids), strict=False)
        ]
    finally:
        connection.close()


def kill_all(servers: list[ServerProcess]) -> None:
    for server in servers:
        server.kill()


async def until(condition, *, seconds: float, step: float = 0.02) -> bool:
    deadline = time.perf_counter() + seconds
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(step)
    return True


async def send_after_restart(
    sender: ChatSocket, ledger: Ledger, *, numbers: list[int], rate: float
) -> None:
    """The bench's own sender: connects as soon as a server listens (it is not part of the
    storm's backoff) and posts at `rate`. If its connection drops before every send is
    acknowledged, it reconnects and resends those with the same client ids, as the protocol
    asks; on a connection that stays open it waits 10 s for the acks, then gives up."""
    pending = list(numbers)
    while pending:
        try:
            await sender.open_and_join(resume=True)
        except (OSError, HandshakeError, TimeoutError):
            await asyncio.sleep(0.1)
            continue
        for number in pending:
            if not sender.client.is_open:
                break
            sender.send(number, f"posted during the storm ({number})")
            await asyncio.sleep(1 / rate)
        await until(functools.partial(_dropped_or_acked, sender, ledger, pending), seconds=10)
        pending = [number for number in pending if number not in ledger.acks]
        if not sender.client.closed.done():
            return


def _dropped_or_acked(sender: ChatSocket, ledger: Ledger, numbers: list[int]) -> bool:
    return sender.client.closed.done() or all(number in ledger.acks for number in numbers)


async def storm(*, room: Room, servers: list[ServerProcess], args) -> dict:
    ports = [server.port for server in servers]
    ledger = Ledger()
    clients = [
        ChatSocket(
            member=member,
            port=ports[index % len(ports)],
            conversation_id=room.conversation_id,
            ledger=ledger,
            index=index,
        )
        for index, member in enumerate(room.members[: args.clients])
    ]
    sender = ChatSocket(
        member=room.members[args.clients],
        port=ports[0],
        conversation_id=room.conversation_id,
        ledger=ledger,
        index=args.clients,
    )
    join_seconds = await open_sockets([*clients, sender])

    def everyone_has(count: int) -> bool:
        return all(chat.unique >= count for chat in clients)

    # Live messages first, so every client holds a cursor into the stream.
    before = [ledger.new_number() for _ in range(args.before)]
    for number in before:
        sender.send(number, f"before the crash ({number})")
        await asyncio.sleep(1 / args.after_rate)
    before_delivered = await until(lambda: everyone_has(len(before)), seconds=30)
    await asyncio.to_thread(wait_until_idle, servers)  # the crash hits a settled room

    stop = asyncio.Event()
    reconnecting = [asyncio.create_task(chat.stay_connected(stop=stop)) for chat in clients]
    cpu = CpuWindow(servers)
    cpu.start()
    killed_at = time.perf_counter()
    await asyncio.to_thread(kill_all, servers)
    sender.abort()
    down = [ledger.new_number() for _ in range(args.while_down)]
    down_ids = await asyncio.to_thread(
        post_through_service,
        conversation_id=room.conversation_id,
        user_ids=[member.user_id for member in room.members[: max(1, min(args.clients, 20))]],
        numbers=down,
    )
    posted_at = time.perf_counter()
    await asyncio.sleep(max(0.0, args.down_seconds - (posted_at - killed_at)))
    restart_at = time.perf_counter()
    await asyncio.to_thread(start_all, servers)
    listening_at = max(server.listening_at for server in servers)

    after = [ledger.new_number() for _ in range(args.after)]
    sending = asyncio.create_task(
        send_after_restart(sender, ledger, numbers=after, rate=args.after_rate)
    )

    def resumed(chat: ChatSocket) -> bool:
        return chat.joined_at is not None and chat.joined_at > killed_at

    all_resumed = await until(lambda: all(map(resumed, clients)), seconds=args.deadline)
    last_resumed_at = max((chat.joined_at for chat in clients if resumed(chat)), default=None)
    await until(sending.done, seconds=args.deadline)
    await until(lambda: all(number in ledger.acks for number in after), seconds=10)
    acked_after = [number for number in after if number in ledger.acks]
    expected = [*before, *down, *acked_after]
    all_delivered = await until(lambda: everyone_has(len(expected)), seconds=args.drain)
    all_delivered_at = time.perf_counter()
    window = cpu.stop()

    stop.set()
    sending.cancel()
    await asyncio.gather(*reconnecting, sending, return_exceptions=True)
    for chat in [*clients, sender]:
        chat.abort()

    missing = [chat.missing(expected) for chat in clients]
    listening = {server.port: server.listening_at for server in servers}
    # Each client from the moment its own server listened again.
    resumed_after_listening = [
        chat.joined_at - listening[chat.port] for chat in clients if resumed(chat)
    ]
    failures = Counter()
    for chat in clients:
        failures.update(chat.connect_failures)
    return {
        "clients": len(clients),
        "sockets_per_port": {port: sum(chat.port == port for chat in clients) for port in ports},
        "join_all_s": round(join_seconds, 2),
        "messages": {
            "before_crash_via_socket": len(before),
            "before_crash_delivered_to_all": before_delivered,
            "while_down_via_service": len(down_ids),
            "after_restart_via_socket_acked": len(acked_after),
            "after_restart_unacked": len(after) - len(acked_after),
            "expected_per_client": len(expected),
        },
        "timeline_s": {
            "service_posts_done_after_kill": round(posted_at - killed_at, 2),
            "restart_started_after_kill": round(restart_at - killed_at, 2),
            "all_listening_after_kill": round(listening_at - killed_at, 2),
        },
        "resume": {
            "all_resumed": all_resumed,
            "clients_resumed": len(resumed_after_listening),
            "all_resumed_after_all_listening_s": (
                round(last_resumed_at - listening_at, 2) if all_resumed else None
            ),
            "all_resumed_after_kill_s": (
                round(last_resumed_at - killed_at, 2) if all_resumed else None
            ),
            "per_client_after_its_server_listened_ms": percentiles(resumed_after_listening),
            "all_delivered_after_all_listening_s": (
                round(all_delivered_at - listening_at, 2) if all_delivered else None
            ),
            "connections_after_the_crash": sum(chat.connections for chat in clients) - len(clients),
            "failed_connection_attempts": dict(failures),
        },
        "verification": {
            "lost": sum(missing),
            "clients_missing_messages": sum(1 for count in missing if count),
            "duplicates": sum(chat.duplicates for chat in clients),
            "out_of_order": sum(chat.out_of_order for chat in clients),
            "seq_gaps": sum(chat.seq_gaps for chat in clients),
            "stream_frames_without_seq": sum(chat.unsequenced for chat in clients),
            "ordered_by": " and ".join(
                sorted({"seq" if chat.speaks_seq else "message id" for chat in clients})
            ),
            "exactly_once_in_order": not any(missing)
            and not any(
                chat.duplicates or chat.out_of_order or chat.seq_gaps or chat.unsequenced
                for chat in clients
            ),
        },
        "errors": dict(ledger.errors),
        "cpu_from_kill": window,
        "servers": [server.stats() for server in servers],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_mode_arguments(parser)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--before", type=int, default=20, help="messages before the crash")
    parser.add_argument(
        "--while-down", type=int, default=20, help="messages posted through the service"
    )
    parser.add_argument(
        "--after", type=int, default=100, help="messages posted by socket after the restart"
    )
    parser.add_argument("--after-rate", type=float, default=50, help="messages per second")
    parser.add_argument(
        "--down-seconds", type=float, default=1, help="least time the servers stay down"
    )
    parser.add_argument(
        "--deadline", type=float, default=60, help="seconds to wait for all to resume"
    )
    parser.add_argument("--drain", type=float, default=5)
    args = parser.parse_args()
    mode = mode_from_args(parser, args)
    run = Run("reconnect_storm", mode)
    raise_open_files_limit(args.clients * 3 + 512)
    prepare(mode)
    room = make_room(members=args.clients + 1, name="Storm room")
    servers = start_kindred_servers(mode)
    try:
        results = run_async(storm(room=room, servers=servers, args=args))
    finally:
        stop_all(servers)
    run.finish(results)


if __name__ == "__main__":
    main()
