"""Live unread state (issue 12; docs/decisions/0013-unread-counts.md): `hello` carries the
navigation's Messages count, `unread` frames follow it over the member's personal channel,
and the inbox marks each conversation so its badge can follow them."""

import pytest
from channels.db import database_sync_to_async as db
from django.urls import reverse

from messaging.services.conversations import get_or_create_group_room
from tests.factories import make_member, make_message, make_support_thread
from tests.messaging.conftest import (
    frames_until,
    join,
    make_direct_between,
    make_group,
    open_socket,
    post_as,
    receive,
    receive_until,
    send,
    send_frame,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pair(transactional_db):
    first = make_member(pseudonym="Calm Maple")
    second = make_member(pseudonym="Bright Lark")
    group = make_group(members=[first, second])
    room = get_or_create_group_room(group=group)
    # Only members who have written in a room can be mentioned there.
    make_message(conversation=room, sender=second, body="hello")
    return {
        "first": first,
        "second": second,
        "direct": make_direct_between(first, second),
        "room": room,
    }


async def _hello(user) -> dict:
    socket = await open_socket(user, expect_connected=False)
    hello = await receive(socket)
    await socket.disconnect()
    return hello


async def test_the_other_participant_gets_unread_and_the_writer_does_not(pair):
    first, second, direct = pair["first"], pair["second"], pair["direct"]
    writer, reader = await open_socket(first), await open_socket(second)
    await join(writer, direct.pk)
    await send(writer, send_frame(direct, "u1", "hello"))
    await receive_until(writer, "ack")
    frame = await receive_until(reader, "unread")
    assert frame == {"type": "unread", "conversation_id": direct.pk, "unread": 1, "total": 1}
    await send(writer, send_frame(direct, "u2", "are you there?"))
    await receive_until(writer, "ack")
    assert (await receive_until(reader, "unread"))["unread"] == 2
    # The reply is the first thing that changes the writer's counts: no frame came for their
    # own messages before it.
    await db(post_as)(direct, second, "yes")
    frames = await frames_until(writer, "unread")
    assert [f for f in frames if f["type"] == "unread"] == [
        {"type": "unread", "conversation_id": direct.pk, "unread": 1, "total": 1}
    ]
    await writer.disconnect()
    await reader.disconnect()


async def test_a_support_thread_message_counts_for_the_other_side(pair):
    advocate = await db(make_member)()
    thread = await db(make_support_thread)(member=pair["first"], advocate=advocate)
    socket = await open_socket(advocate)
    await db(post_as)(thread, pair["first"], "I need help")
    frame = await receive_until(socket, "unread")
    assert (frame["conversation_id"], frame["unread"], frame["total"]) == (thread.pk, 1, 1)
    await socket.disconnect()


async def test_reading_sends_the_reader_zero_and_the_new_total_on_every_tab(pair):
    first, second, direct = pair["first"], pair["second"], pair["direct"]
    await db(post_as)(direct, first, "one")
    message = await db(post_as)(direct, first, "two")
    tab, other_tab = await open_socket(second), await open_socket(second)
    await join(tab, direct.pk)
    await send(tab, {"type": "read", "conversation_id": direct.pk, "seq": message.seq})
    expected = {"type": "unread", "conversation_id": direct.pk, "unread": 0, "total": 0}
    assert await receive_until(tab, "unread") == expected
    assert await receive_until(other_tab, "unread") == expected
    await tab.disconnect()
    await other_tab.disconnect()


async def test_a_mention_in_a_room_sends_unread_and_plain_room_traffic_does_not(pair):
    first, second, room = pair["first"], pair["second"], pair["room"]
    reader = await open_socket(second)
    writer = await open_socket(first)
    await join(writer, room.pk)
    await send(writer, send_frame(room, "r1", "just chatting"))
    await receive_until(writer, "ack")
    await send(writer, send_frame(room, "r2", "@Bright Lark what do you think?"))
    await receive_until(writer, "ack")
    frames = await frames_until(reader, "unread")
    assert [frame["type"] for frame in frames].count("unread") == 1
    assert (frames[-1]["conversation_id"], frames[-1]["total"]) == (room.pk, 1)
    await writer.disconnect()
    await reader.disconnect()


async def test_hello_counts_direct_messages_and_mentions_but_not_room_traffic(pair):
    first, second = pair["first"], pair["second"]
    await db(post_as)(pair["direct"], first, "one")
    await db(post_as)(pair["direct"], first, "two")
    await db(post_as)(pair["room"], first, "room traffic")
    await db(post_as)(pair["room"], first, "@bright lark hi")
    hello = await _hello(second)
    assert hello["unread_messages"] == 3
    assert (await _hello(first))["unread_messages"] == 0


async def test_reading_the_room_clears_its_mentions_from_the_total(pair):
    first, second, room = pair["first"], pair["second"], pair["room"]
    message = await db(post_as)(room, first, "@Bright Lark hi")
    socket = await open_socket(second)
    await join(socket, room.pk)
    await send(socket, {"type": "read", "conversation_id": room.pk, "seq": message.seq})
    frame = await receive_until(socket, "unread")
    assert (frame["unread"], frame["total"]) == (0, 0)
    await socket.disconnect()
    assert (await _hello(second))["unread_messages"] == 0


def test_the_navigation_has_a_messages_badge_read_as_part_of_the_link(client, pair):
    client.force_login(pair["second"])
    page = client.get(reverse("home")).content.decode()
    assert (
        '<a href="/messages/" id="messages-link">Messages<span class="badge nav-count" '
        'id="messages-count" hidden>' in page.replace(reverse("messaging:inbox"), "/messages/")
    )
    assert '<span class="visually-hidden"> unread</span>' in page


def test_the_inbox_marks_each_conversation_for_live_counts(client, pair):
    post_as(pair["direct"], pair["first"], "hello")
    client.force_login(pair["second"])
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert f'data-conversation-id="{pair["direct"].pk}"' in page
    assert f'data-conversation-id="{pair["room"].pk}"' in page
    assert "<span data-unread-count>1</span> unread" in page
    assert "js/inbox.js" in page
