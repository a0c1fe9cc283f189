"""Room load: N members in one live room on a real daphne (embedded mode), messages sent at a
fixed rate R for T seconds, spread over the members; every member receives every message.

Reports p50/p99 delivery latency (send → each member's receipt, measured in this process, so
the load generator's own delays count), messages lost and out of order, and the server's peak
RSS. Usage:

    .venv/bin/python -m bench.room_load --members 200 --rate 50 --seconds 60
    .venv/bin/python -m bench.room_load --members 200 --rate 50 --seconds 20 \
        --profile var/room.prof
"""

import argparse
import asyncio
import json
import statistics
import time

import websockets

from bench.common import Server, make_room, raise_open_files_limit, setup_django


async def open_member(server, cookie, room_id):
    connection = await websockets.connect(
        server.url,
        origin=server.origin,
        additional_headers={"Cookie": cookie},
        compression=None,
        max_queue=None,
    )
    await connection.send(json.dumps({"type": "join", "conversation_id": room_id}))
    while True:
        frame = json.loads(await connection.recv())
        if frame["type"] == "messages":
            return connection


class Receiver:
    def __init__(self, connection):
        self.connection = connection
        self.latencies: list[float] = []
        self.sequences: list[int] = []
        self.ids: list[int] = []

    async def run(self):
        marker = '"client_id":"b'
        async for text in self.connection:
            now = time.perf_counter()
            start = text.find(marker)
            if start == -1 or not text.startswith('{"type":"message"'):
                continue
            end = text.index('"', start + len(marker))
            sequence, sent = text[start + len(marker) : end].split("-")
            id_start = text.index('{"id":') + 6
            self.ids.append(int(text[id_start : text.index(",", id_start)]))
            self.sequences.append(int(sequence))
            self.latencies.append(now - float(sent))


async def run(
    members: int,
    rate: float,
    seconds: float,
    room_id: int,
    cookies: list[str],
    profile_path: str | None = None,
):
    server = Server(profile_path)
    try:
        connections = []
        for cookie in cookies:
            connections.append(await open_member(server, cookie, room_id))
        receivers = [Receiver(connection) for connection in connections]
        tasks = [asyncio.create_task(receiver.run()) for receiver in receivers]
        await asyncio.sleep(1)
        cpu_before = server.cpu_seconds()
        total = int(rate * seconds)
        started = time.perf_counter()
        for sequence in range(total):
            target = started + sequence / rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            sender = connections[sequence % members]
            await sender.send(
                json.dumps(
                    {
                        "type": "send",
                        "conversation_id": room_id,
                        "client_id": f"b{sequence}-{time.perf_counter():.6f}",
                        "body": f"load {sequence}",
                    }
                )
            )
        send_span = time.perf_counter() - started
        await asyncio.sleep(5)  # drain
        cpu_used = server.cpu_seconds() - cpu_before
        for connection in connections:
            await connection.close()
        for task in tasks:
            task.cancel()
        latencies = sorted(value for receiver in receivers for value in receiver.latencies)
        expected = total * members
        received = len(latencies)
        # The protocol orders by server id (commit order); senders racing each other may be
        # committed in another order than they were sent, which is not an error.
        out_of_order = sum(
            1
            for receiver in receivers
            for before, after in zip(receiver.ids, receiver.ids[1:], strict=False)
            if after <= before
        )
        duplicates = sum(
            len(receiver.sequences) - len(set(receiver.sequences)) for receiver in receivers
        )

        def percentile(fraction):
            return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000

        report = {
            "members": members,
            "rate_per_s": rate,
            "seconds": seconds,
            "messages_sent": total,
            "actual_send_span_s": round(send_span, 2),
            "deliveries_expected": expected,
            "deliveries_received": received,
            "lost": expected - received + duplicates,
            "duplicates": duplicates,
            "note": "lost = not received within 5 s after the last send",
            "out_of_order": out_of_order,
            "p50_ms": round(percentile(0.50), 1) if latencies else None,
            "p99_ms": round(percentile(0.99), 1) if latencies else None,
            "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
            "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
            "server_peak_rss_mb": round(server.peak_rss / 2**20, 1),
            "server_cpu_s_during_run": round(cpu_used, 1),
        }
        print(json.dumps(report, indent=2))
        return report
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--profile",
        metavar="PATH",
        help="run the server under cProfile and print where its time goes",
    )
    args = parser.parse_args()
    raise_open_files_limit(args.members * 2 + 256)
    setup_django()
    room_id, cookies = make_room(members=args.members, name="Load room")
    asyncio.run(run(args.members, args.rate, args.seconds, room_id, cookies, args.profile))


if __name__ == "__main__":
    main()
