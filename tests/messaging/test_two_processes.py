"""Two daphne processes joined by channels_redis: a message sent through one reaches a member
connected to the other. Skipped only when no Redis answers."""

import asyncio
import json
import os
import socket
import subprocess
from urllib.parse import urlsplit

import pytest
import websockets
from django.conf import settings

from messaging.services.conversations import get_or_create_group_room
from tests.browser.conftest import _free_port, start_daphne
from tests.messaging.conftest import make_group, session_cookie_for

REDIS_URL = os.environ.get("KINDRED_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def _redis_reachable() -> bool:
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def two_servers(transactional_db):
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}; the two-process test needs it")
    processes = []
    try:
        for _number in range(2):
            port = _free_port()
            processes.append((port, start_daphne(port, extra_env={"REDIS_URL": REDIS_URL})))
        yield [port for port, _process in processes]
    finally:
        for _port, process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def _connect(port: int, cookie: str):
    return await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/chat/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
    )


async def _until(connection, frame_type: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(connection.recv(), 10))
        if frame["type"] == frame_type:
            return frame


async def test_a_message_crosses_between_two_daphne_processes(two_servers, member, other_member):
    from channels.db import database_sync_to_async as db

    group = await db(make_group)(members=[member, other_member])
    room = await db(get_or_create_group_room)(group=group)
    alice_cookie = await db(session_cookie_for)(member)
    bob_cookie = await db(session_cookie_for)(other_member)
    port_a, port_b = two_servers
    alice = await _connect(port_a, alice_cookie)
    bob = await _connect(port_b, bob_cookie)
    try:
        for connection in (alice, bob):
            await connection.send(json.dumps({"type": "join", "conversation_id": room.pk}))
            await _until(connection, "joined")
            # The join is complete once its page has come: what is sent later arrives live.
            await _until(connection, "messages")
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
        ack = await _until(alice, "ack")
        crossed = await _until(bob, "message")
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
        back = await _until(alice, "message")
        while back["message"]["client_id"] != "cross-2":
            back = await _until(alice, "message")
        assert back["message"]["body"] == "and back"
    finally:
        await alice.close()
        await bob.close()
