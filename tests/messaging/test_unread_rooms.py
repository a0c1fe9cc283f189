"""The inbox's live room counts (docs/protocol.md, "Watching rooms"): a socket that watches the
member's rooms hears `room.unread` for every new message someone else writes there, counted as
the inbox counts, without joining (no presence, no messages); rooms it may not read are refused
and the socket stays up; leaving the group stops the counts; a read marker moving in another
tab resets them."""

import pytest
from channels.db import database_sync_to_async as db

from community.services.groups import leave_group
from messaging.models import Conversation, ConversationParticipant, Message
from messaging.services.conversations import edit_message, get_or_create_group_room
from tests.factories import make_member
from tests.messaging.conftest import (
    drain,
    join,
    make_group,
    open_socket,
    post_as,
    receive,
    receive_until,
    send,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rooms(transactional_db):
    reader, writer = make_member(pseudonym="Watching Wren"), make_member(pseudonym="Busy Bee")
    group = make_group(name="Watched", members=[reader, writer])
    room = get_or_create_group_room(group=group)
    first = post_as(room, writer, "before the reader came")
    # The reader has read up to here: the inbox counts their room from this marker.
    ConversationParticipant.objects.create(conversation=room, user=reader, last_read_seq=first.seq)
    post_as(room, writer, "one unread already")
    never_opened = get_or_create_group_room(
        group=make_group(name="Never opened", members=[reader, writer])
    )
    return {"reader": reader, "writer": writer, "group": group, "room": room, "quiet": never_opened}


async def _watching(socket, ids) -> dict:
    await send(socket, {"type": "watch", "conversation_ids": ids})
    return await receive_until(socket, "watching")


async def test_new_messages_of_others_count_live_and_nothing_else_is_sent(rooms):
    room, quiet = rooms["room"], rooms["quiet"]
    socket = await open_socket(rooms["reader"])
    # The count as the inbox shows it; a room never opened has none.
    assert (await _watching(socket, [room.pk, quiet.pk]))["unread"] == {str(room.pk): 1}
    message = await db(post_as)(room, rooms["writer"], "two now")
    assert await receive_until(socket, "room.unread") == {
        "type": "room.unread",
        "conversation_id": room.pk,
        "unread": 2,
    }
    # Only a count: not the message, not who is in the room.
    in_flight = await drain(socket)
    assert {frame["type"] for frame in in_flight} <= {"unread"}
    # A change to a message, the member's own message and a room never opened count nothing.
    await db(edit_message)(message_id=message.pk, editor=rooms["writer"], body="two, edited")
    await db(post_as)(room, rooms["reader"], "my own")
    await db(post_as)(quiet, rooms["writer"], "in the quiet room")
    assert all(frame["type"] != "room.unread" for frame in await drain(socket, quiet=0.5))
    await db(post_as)(room, rooms["writer"], "three")
    assert (await receive_until(socket, "room.unread"))["unread"] == 3
    await socket.disconnect()


async def test_rooms_the_member_may_not_read_are_refused_and_the_socket_stays(rooms):
    stranger_room = await db(get_or_create_group_room)(
        group=await db(make_group)(name="Not theirs", members=[rooms["writer"]])
    )
    direct = await db(Conversation.objects.create)(kind=Conversation.Kind.DIRECT, direct_key="x")
    socket = await open_socket(rooms["reader"])
    for frame in (
        {"type": "watch", "conversation_ids": [stranger_room.pk]},
        {"type": "watch", "conversation_ids": [direct.pk]},
        {"type": "watch", "conversation_ids": "all"},
        {"type": "watch", "conversation_ids": [rooms["room"].pk, -1]},
        {"type": "watch", "conversation_ids": list(range(1, 200))},
    ):
        await send(socket, frame)
        error = await receive_until(socket, "error")
        assert error["code"] in {"not_found", "invalid"}
    # Nothing of the stranger's room reaches the reader.
    await db(post_as)(stranger_room, rooms["writer"], "private")
    assert all(frame["type"] != "room.unread" for frame in await drain(socket, quiet=0.5))
    await send(socket, {"type": "ping"})
    assert (await receive(socket))["type"] == "pong"
    await socket.disconnect()


async def test_leaving_the_group_stops_the_counts(rooms):
    socket = await open_socket(rooms["reader"])
    await _watching(socket, [rooms["room"].pk])
    await db(leave_group)(user=rooms["reader"], group=rooms["group"])
    await drain(socket, quiet=0.5)
    await db(post_as)(rooms["room"], rooms["writer"], "after they left")
    assert all(frame["type"] != "room.unread" for frame in await drain(socket, quiet=0.5))
    await socket.disconnect()


async def test_reading_in_another_tab_resets_the_count(rooms):
    room = rooms["room"]
    inbox, chat = await open_socket(rooms["reader"]), await open_socket(rooms["reader"])
    await _watching(inbox, [room.pk])
    await join(chat, room.pk)
    newest = await db(Message.objects.filter(conversation=room).order_by("-seq").first)()
    await send(chat, {"type": "read", "conversation_id": room.pk, "seq": newest.seq})
    assert (await receive_until(inbox, "unread"))["unread"] == 0
    await db(post_as)(room, rooms["writer"], "after reading")
    assert (await receive_until(inbox, "room.unread"))["unread"] == 1
    await inbox.disconnect()
    await chat.disconnect()
