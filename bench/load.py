"""A steady load on one room, shared by bench.room_load and bench.persisted_sends: every member
has one socket (split round-robin over the server ports), all join, then messages are sent at
a fixed total rate for a fixed time, message n by member n mod N, so the senders are spread
over all members and all processes. Then it waits until every member has every message (or
`drain` seconds after the last send) and summarises what came back."""

import asyncio
import time
from array import array
from collections import Counter

from bench.chat import ChatSocket, Ledger
from bench.common import CpuWindow, Room, ServerProcess, percentiles, wait_until_idle


async def open_sockets(sockets: list[ChatSocket], *, concurrency: int = 50) -> float:
    """Connects and joins every socket, `concurrency` at a time; returns the seconds taken."""
    gate = asyncio.Semaphore(concurrency)

    async def one(chat: ChatSocket) -> None:
        async with gate:
            await chat.open_and_join()

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(one(chat) for chat in sockets), return_exceptions=True)
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if failures:
        for chat in sockets:
            chat.abort()
        raise RuntimeError(
            f"{len(failures)} of {len(sockets)} sockets did not connect and join; "
            f"first: {failures[0]!r}"
        )
    return time.perf_counter() - started


async def steady_load(
    *,
    room: Room,
    ports: list[int],
    servers: list[ServerProcess],
    rate: float,
    seconds: float,
    drain: float = 5.0,
    body: str = "load {number}: how did the meeting go today?",
) -> tuple[dict, Ledger]:
    ledger = Ledger()
    sockets = [
        ChatSocket(
            member=member,
            port=ports[index % len(ports)],
            conversation_id=room.conversation_id,
            ledger=ledger,
            index=index,
        )
        for index, member in enumerate(room.members)
    ]
    join_seconds = await open_sockets(sockets)
    # The joins' own work (presence frames to everyone) is over before measuring starts.
    await asyncio.to_thread(wait_until_idle, servers)
    cpu = CpuWindow(servers)
    cpu.start()
    total = int(rate * seconds)
    lags = array("d")
    started = time.perf_counter()
    for sequence in range(total):
        target = started + sequence / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            await asyncio.sleep(0)  # behind: still let the receiving side run
        lags.append(max(0.0, time.perf_counter() - target))
        number = ledger.new_number()
        sockets[sequence % len(sockets)].send(number, body.format(number=number))
    last_send = time.perf_counter()
    expected = total * len(sockets)
    while time.perf_counter() - last_send < drain:
        if len(ledger.acks) >= total and sum(chat.unique for chat in sockets) >= expected:
            break
        await asyncio.sleep(0.02)
    settled = time.perf_counter() - last_send
    window = cpu.stop()
    for chat in sockets:
        chat.abort()

    received = sum(chat.unique for chat in sockets)
    latencies = array("d")
    for chat in sockets:
        latencies.extend(chat.latencies)
    orderings = {"seq" if chat.speaks_seq else "message id" for chat in sockets}
    summary = {
        "members": len(sockets),
        "sockets_per_port": dict(Counter(chat.port for chat in sockets)),
        "join_all_s": round(join_seconds, 2),
        "rate_per_s": rate,
        "seconds": seconds,
        "messages_sent": total,
        "send_span_s": round(last_send - started, 2),
        "send_lag_ms": percentiles(lags),
        "acks": {
            "received": len(ledger.acks),
            "missing": total - len(ledger.acks),
            "latency_ms": percentiles(ledger.ack_latencies()),
        },
        "deliveries": {
            "offered_per_s": round(rate * len(sockets)),
            "expected": expected,
            "received": received,
            "lost": expected - received,
            "duplicates": sum(chat.duplicates for chat in sockets),
            "out_of_order": sum(chat.out_of_order for chat in sockets),
            "seq_gaps": sum(chat.seq_gaps for chat in sockets),
            "stream_frames_without_seq": sum(chat.unsequenced for chat in sockets),
            "ordered_by": " and ".join(sorted(orderings)),
            "all_in_s_after_last_send": round(settled, 2) if received == expected else None,
            "note": f"lost = not received within {drain:g} s after the last send",
        },
        "latency_ms": percentiles(latencies),
        "errors": dict(ledger.errors),
        "cpu": window,
        "servers": [server.stats() for server in servers],
    }
    return summary, ledger
