"""Two daphne processes joined by channels_redis: a message sent through one reaches a member
connected to the other. Skipped only when no Redis answers."""

import json

import pytest
from channels.db import database_sync_to_async as db

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


@pytest.fixture
def two_servers(transactional_db):
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}; the two-process test needs it")
    processes = []
    try:
        for _number in range(2):
            port = free_port()
            processes.append((port, start_daphne(port, extra_env={"REDIS_URL": REDIS_URL})))
        yield [port for port, _process in processes]
    finally:
        for _port, process in processes:
            stop_daphne(process)


async def test_a_message_crosses_between_two_daphne_processes(two_servers, member, other_member):
    group = await db(make_group)(members=[member, other_member])
    room = await db(get_or_create_group_room)(group=group)
    alice_cookie = await db(session_cookie_for)(member)
    bob_cookie = await db(session_cookie_for)(other_member)
    port_a, port_b = two_servers
    alice = await connect_chat(port_a, alice_cookie)
    bob = await connect_chat(port_b, bob_cookie)
    try:
        for connection in (alice, bob):
            await connection.send(json.dumps({"type": "join", "conversation_id": room.pk}))
            await until_frame(connection, "joined")
            # The join is complete once its page has come: what is sent later arrives live.
            await until_frame(connection, "messages")
        await alice.send(
            json.dumps(
                {
                    "type": "send",
                    "conversation_id": room.pk,
                    "client_id": "cross-1",
                    "body": "across processes",
                }
            )
        )
        ack = await until_frame(alice, "ack")
        crossed = await until_frame(bob, "message")
        assert crossed["message"]["id"] == ack["id"]
        assert crossed["message"]["body"] == "across processes"
        # And back the other way.
        await bob.send(
            json.dumps(
                {
                    "type": "send",
                    "conversation_id": room.pk,
                    "client_id": "cross-2",
                    "body": "and back",
                }
            )
        )
        back = await until_frame(alice, "message")
        while back["message"]["client_id"] != "cross-2":
            back = await until_frame(alice, "message")
        assert back["message"]["body"] == "and back"
    finally:
        await alice.close()
        await bob.close()
