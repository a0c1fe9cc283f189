"""Resuming from the last id seen works across a server restart: a real daphne process is
stopped, messages are committed meanwhile, a new process answers the resumed join."""

import asyncio
import json
import subprocess

import websockets
from channels.db import database_sync_to_async as db
from django.conf import settings

from messaging.services.conversations import get_or_create_group_room
from tests.browser.conftest import _free_port, start_daphne
from tests.messaging.conftest import make_group, post_as, session_cookie_for


async def _connect(port, cookie):
    return await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/chat/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
    )


async def _until(connection, frame_type):
    while True:
        frame = json.loads(await asyncio.wait_for(connection.recv(), 10))
        if frame["type"] == frame_type:
            return frame


def _stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _post(room, sender, body):
    return post_as(room, sender, body, body)


async def test_resume_after_a_server_restart_has_no_gap_and_no_duplicate(
    transactional_db, member, other_member
):
    group = await db(make_group)(members=[member, other_member])
    room = await db(get_or_create_group_room)(group=group)
    cookie = await db(session_cookie_for)(member)
    seen = await db(_post)(room, other_member, "before the restart")
    port = _free_port()
    server = await asyncio.to_thread(start_daphne, port)
    try:
        connection = await _connect(port, cookie)
        await connection.send(json.dumps({"type": "join", "conversation_id": room.pk}))
        latest = await _until(connection, "messages")
        assert [message["id"] for message in latest["messages"]] == [seen.pk]
        assert latest["through_seq"] == seen.seq
    finally:
        await asyncio.to_thread(_stop, server)
    missed = [await db(_post)(room, other_member, f"while down {number}") for number in range(3)]
    port = _free_port()
    server = await asyncio.to_thread(start_daphne, port)
    try:
        connection = await _connect(port, cookie)
        await connection.send(
            json.dumps({"type": "join", "conversation_id": room.pk, "after_seq": seen.seq})
        )
        resumed = await _until(connection, "messages")
        assert resumed["mode"] == "resume"
        assert [message["id"] for message in resumed["messages"]] == [m.pk for m in missed]
        assert resumed["through_seq"] == missed[-1].seq == seen.seq + 3
        await connection.close()
    finally:
        await asyncio.to_thread(_stop, server)
