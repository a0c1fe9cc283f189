"""Resuming from the last id seen works across a server restart: a real daphne process is
stopped, messages are committed meanwhile, a new process answers the resumed join."""

import asyncio
import json

from channels.db import database_sync_to_async as db

from messaging.services.conversations import get_or_create_group_room
from tests.messaging.conftest import make_group, post_as, session_cookie_for
from tests.servers import connect_chat, free_port, start_daphne, stop_daphne, until_frame


def _post(room, sender, body):
    return post_as(room, sender, body, body)


async def test_resume_after_a_server_restart_has_no_gap_and_no_duplicate(
    transactional_db, member, other_member
):
    group = await db(make_group)(members=[member, other_member])
    room = await db(get_or_create_group_room)(group=group)
    cookie = await db(session_cookie_for)(member)
    seen = await db(_post)(room, other_member, "before the restart")
    port = free_port()
    server = await asyncio.to_thread(start_daphne, port)
    try:
        connection = await connect_chat(port, cookie)
        await connection.send(json.dumps({"type": "join", "conversation_id": room.pk}))
        latest = await until_frame(connection, "messages")
        assert [message["id"] for message in latest["messages"]] == [seen.pk]
        assert latest["through_seq"] == seen.seq
    finally:
        await asyncio.to_thread(stop_daphne, server)
    missed = [await db(_post)(room, other_member, f"while down {number}") for number in range(3)]
    port = free_port()
    server = await asyncio.to_thread(start_daphne, port)
    try:
        connection = await connect_chat(port, cookie)
        await connection.send(
            json.dumps({"type": "join", "conversation_id": room.pk, "after_seq": seen.seq})
        )
        resumed = await until_frame(connection, "messages")
        assert resumed["mode"] == "resume"
        assert [message["id"] for message in resumed["messages"]] == [m.pk for m in missed]
        assert resumed["through_seq"] == missed[-1].seq == seen.seq + 3
        await connection.close()
    finally:
        await asyncio.to_thread(stop_daphne, server)
