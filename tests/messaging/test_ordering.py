"""Order across processes: two daphne processes on one Redis, members sending at once, and one
process whose publications reach Redis late (a real network delay, injected by a TCP proxy in
front of Redis, nothing in Kindred's code). Every member still receives every message once,
in commit order, with no gap in the stream positions.

Without per-conversation positions taken in commit order and an in-order fan-out, the late
process's message arrives after a later one and a resuming client skips it (issue 10)."""

import asyncio
import json
from urllib.parse import urlsplit

import msgpack
import pytest
import redis.asyncio
from channels.db import database_sync_to_async as db

from messaging.fanout import GAP_WAIT
from messaging.models import Message
from messaging.services.conversations import get_or_create_group_room
from tests.messaging.conftest import make_group, session_cookie_for
from tests.servers import (
    REDIS_URL,
    connect_chat,
    free_port,
    redis_reachable,
    start_daphne,
    stop_daphne,
    until_frame,
)
from tests.settings import WORKER_NUMBER

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 3


class DelayingRedisProxy:
    """A TCP proxy to Redis that holds every chunk a client sends containing PUBLISH for
    `delay` seconds (later chunks of that connection wait behind it, as on a slow link)."""

    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.delay = 0.0
        # Drop (instead of delay) the next this many chunks holding PUBLISH: a lost message.
        self.drop = 0
        self.server = None
        self.port = free_port()

    async def start(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def close(self):
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, client_reader, client_writer):
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)

        async def pump(reader, writer, *, delayed: bool):
            try:
                while chunk := await reader.read(65536):
                    if delayed and self.drop and b"PUBLISH" in chunk.upper():
                        self.drop -= 1
                        # Redis still owes an answer; a fake one keeps the client in step.
                        client_writer.write(b":0\r\n")
                        continue
                    if delayed and self.delay and b"PUBLISH" in chunk.upper():
                        await asyncio.sleep(self.delay)
                    writer.write(chunk)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        await asyncio.gather(
            pump(client_reader, upstream_writer, delayed=True),
            pump(upstream_reader, client_writer, delayed=False),
        )


@pytest.fixture
async def proxy():
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}; the ordering test needs it")
    parts = urlsplit(REDIS_URL)
    running = await DelayingRedisProxy(parts.hostname, parts.port or 6379).start()
    yield running
    await running.close()


async def _record(connection, frames: list):
    async for text in connection:
        frame = json.loads(text)
        if frame["type"] in ("message", "message.updated", "skip"):
            frames.append(frame)


async def _publications(conversation_id: int, seen: list):
    """Watches Redis itself: the order in which stream positions were published."""
    # The database the daphne processes use (tests/settings.py: one per test worker).
    url = urlsplit(REDIS_URL)._replace(path=f"/{WORKER_NUMBER + 1}")
    client = redis.asyncio.Redis.from_url(url.geturl())
    pubsub = client.pubsub()
    await pubsub.psubscribe(f"*__group__conversation.{conversation_id}")
    try:
        async for item in pubsub.listen():
            if item["type"] == "pmessage":
                event = msgpack.unpackb(item["data"])
                if "seq" in event:
                    seen.append(event["seq"])
    finally:
        await pubsub.aclose()
        await client.aclose()


async def _committed(client_id: str) -> None:
    """Another process commits it: nothing to await but the database itself."""
    while not await db(Message.objects.filter(client_id=client_id).exists)():  # noqa: ASYNC110
        await asyncio.sleep(0.005)


async def test_members_on_both_processes_get_every_message_once_in_commit_order(
    proxy, transactional_db
):
    from tests.factories import make_member

    writer_a, writer_b, watcher_a, watcher_b = [await db(make_member)() for _ in range(4)]
    group = await db(make_group)(members=[writer_a, writer_b, watcher_a, watcher_b])
    room = await db(get_or_create_group_room)(group=group)
    port_a, port_b = free_port(), free_port()
    server_a = await asyncio.to_thread(
        start_daphne, port_a, {"REDIS_URL": f"redis://127.0.0.1:{proxy.port}/9"}
    )
    server_b = await asyncio.to_thread(start_daphne, port_b, {"REDIS_URL": REDIS_URL})
    published: list[int] = []
    watching = asyncio.create_task(_publications(room.pk, published))
    sockets = []
    try:
        for user, port in (
            (writer_a, port_a),
            (watcher_a, port_a),
            (writer_b, port_b),
            (watcher_b, port_b),
        ):
            socket = await connect_chat(port, await db(session_cookie_for)(user))
            await socket.send(json.dumps({"type": "join", "conversation_id": room.pk}))
            await until_frame(socket, "messages")
            sockets.append(socket)
        sender_a, watch_a, sender_b, watch_b = sockets
        received = {"a": [], "b": []}
        recorders = [
            asyncio.create_task(_record(watch_a, received["a"])),
            asyncio.create_task(_record(watch_b, received["b"])),
        ]
        committed_order = []
        # Below and above the fan-out's gap wait: the early message is held until the late one
        # arrives, or the late one is read from the database.
        for delay in (GAP_WAIT / 2, GAP_WAIT * 3):
            proxy.delay = delay
            for number in range(ROUNDS):
                first, second = f"a-{delay:.2f}-{number}", f"b-{delay:.2f}-{number}"
                await sender_a.send(
                    json.dumps(
                        {
                            "type": "send",
                            "conversation_id": room.pk,
                            "client_id": first,
                            "body": first,
                        }
                    )
                )
                await _committed(first)
                # Committed after the first, published before it reaches Redis.
                await sender_b.send(
                    json.dumps(
                        {
                            "type": "send",
                            "conversation_id": room.pk,
                            "client_id": second,
                            "body": second,
                        }
                    )
                )
                await _committed(second)
                committed_order += [first, second]
                await until_frame(sender_a, "ack")
                await until_frame(sender_b, "ack")
        # One last message from the late process: its publication queues behind every earlier
        # one of that process on the slow link, so once it has reached both watchers, a late
        # duplicate (or a late message) would already be in what they received.
        await sender_a.send(
            json.dumps(
                {"type": "send", "conversation_id": room.pk, "client_id": "last", "body": "last"}
            )
        )
        await until_frame(sender_a, "ack")
        committed_order.append("last")
        expected = len(committed_order)

        def _got_the_last(frames) -> bool:
            return any(frame.get("message", {}).get("body") == "last" for frame in frames)

        for _ in range(400):
            if all(_got_the_last(frames) for frames in received.values()):
                break
            await asyncio.sleep(0.05)
        for recorder in recorders:
            recorder.cancel()

        # The interleaving really happened: later positions reached Redis first.
        pairs = zip(published, published[1:], strict=False)
        assert any(later < earlier for earlier, later in pairs), published
        stored = await db(
            lambda: dict(Message.objects.filter(conversation=room).values_list("client_id", "seq"))
        )()
        for name, frames in received.items():
            bodies = [frame["message"]["body"] for frame in frames if frame["type"] == "message"]
            assert bodies == committed_order, f"watcher {name} got {bodies}"
            positions = [frame["seq"] for frame in frames]
            assert positions == list(range(positions[0], positions[0] + expected)), positions
            assert [stored[body] for body in bodies] == positions
    finally:
        watching.cancel()
        for socket in sockets:
            await socket.close()
        await asyncio.to_thread(stop_daphne, server_a)
        await asyncio.to_thread(stop_daphne, server_b)


async def test_a_publication_lost_on_the_way_is_delivered_from_the_database(
    proxy, transactional_db
):
    """The last message of a quiet room, whose publication never reached Redis: no later
    message reveals the gap, so the processes' periodic check finds it."""
    from tests.factories import make_member

    writer, watcher_user = await db(make_member)(), await db(make_member)()
    room = await db(get_or_create_group_room)(
        group=await db(make_group)(members=[writer, watcher_user])
    )
    check = {"KINDRED_STREAM_CHECK_SECONDS": "1"}
    port_a, port_b = free_port(), free_port()
    server_a = await asyncio.to_thread(
        start_daphne, port_a, {**check, "REDIS_URL": f"redis://127.0.0.1:{proxy.port}/9"}
    )
    server_b = await asyncio.to_thread(start_daphne, port_b, {**check, "REDIS_URL": REDIS_URL})
    sockets = []
    try:
        for user, port in ((writer, port_a), (watcher_user, port_b)):
            socket = await connect_chat(port, await db(session_cookie_for)(user))
            await socket.send(json.dumps({"type": "join", "conversation_id": room.pk}))
            await until_frame(socket, "messages")
            sockets.append(socket)
        sender, watcher = sockets
        proxy.drop = 1
        await sender.send(
            json.dumps(
                {"type": "send", "conversation_id": room.pk, "client_id": "lost", "body": "lost"}
            )
        )
        ack = await until_frame(sender, "ack")
        assert proxy.drop == 0  # the publication really was dropped
        arrived = await asyncio.wait_for(until_frame(watcher, "message"), 10)
        assert arrived["message"]["id"] == ack["id"] and arrived["seq"] == ack["seq"]
    finally:
        for socket in sockets:
            await socket.close()
        await asyncio.to_thread(stop_daphne, server_a)
        await asyncio.to_thread(stop_daphne, server_b)
