"""The "before you send" check over the socket (docs/protocol.md, "Before you send"): a send
or an edit that would identify its writer is answered with an `identity_warning` error naming
the kinds found and the message, nothing is stored or fanned out, and the same frame with
`"confirm": true` goes through. A self-harm signal is never held back: the writer alone gets a
`notice` with where help is."""

import logging

import pytest
from channels.db import database_sync_to_async as db

from community.models import Group
from community.services.profiles import save_before_you_send_settings
from messaging.models import Message
from moderation.actions.rooms import set_slow_mode
from tests.factories import make_member, make_support_thread
from tests.messaging.conftest import (
    add_member,
    frames_until,
    join,
    open_socket,
    post_as,
    receive_until,
    send,
    send_frame,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "text me on (415) 555-2671"


async def test_a_phone_number_is_held_back_until_the_same_frame_comes_with_confirm(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)

    await send(alice, send_frame(room, "c-1", PHONE, ref=7))
    warning = await receive_until(alice, "error")
    assert warning["code"] == "identity_warning"
    assert warning["kinds"] == ["phone"]
    assert (warning["client_id"], warning["ref"]) == ("c-1", 7)
    assert "a phone number" in warning["message"] and "555" not in warning["message"]
    assert await db(Message.objects.count)() == 0

    await send(alice, send_frame(room, "c-1", PHONE, confirm=True))
    ack = await receive_until(alice, "ack")
    assert ack["client_id"] == "c-1"
    # Bob's first frame after joining is the confirmed message: the held one never reached him.
    arrived = await frames_until(bob, "message")
    assert arrived[-1]["message"]["id"] == ack["id"]
    assert await db(Message.objects.count)() == 1
    await alice.disconnect()
    await bob.disconnect()


async def test_only_a_literal_true_confirms(room_with_two_members, member):
    room = room_with_two_members
    socket = await open_socket(member)
    await join(socket, room.pk)
    for value in ("true", 1, "yes", None):
        await send(socket, send_frame(room, f"c-{value}", PHONE, confirm=value))
        assert (await receive_until(socket, "error"))["code"] == "identity_warning"
    assert await db(Message.objects.count)() == 0
    await socket.disconnect()


async def test_the_members_own_words_count_and_a_new_list_applies_without_reconnecting(
    room_with_two_members, member
):
    room = room_with_two_members
    await db(save_before_you_send_settings)(user=member, words=["Initech"], phone_region="")
    socket = await open_socket(member)
    await join(socket, room.pk)
    await send(socket, send_frame(room, "w-1", "Anyone else from initech?"))
    assert (await receive_until(socket, "error"))["kinds"] == ["own_word"]

    # The member changes their list; the open socket hears of it (access.updated) and uses it.
    await db(save_before_you_send_settings)(user=member, words=["Globex"], phone_region="")
    await receive_until(socket, "access.updated")
    await send(socket, send_frame(room, "w-2", "Anyone else from initech?"))
    assert (await receive_until(socket, "ack"))["client_id"] == "w-2"
    await send(socket, send_frame(room, "w-3", "or from GLOBEX"))
    assert (await receive_until(socket, "error"))["kinds"] == ["own_word"]
    await socket.disconnect()


async def test_the_groups_watched_words_count_in_its_room(room_with_two_members, member):
    room = room_with_two_members
    await db(Group.objects.filter(pk=room.group_id).update)(watched_words="Springfield plant")
    socket = await open_socket(member)
    await join(socket, room.pk)
    await send(socket, send_frame(room, "g-1", "the springfield   plant again"))
    assert (await receive_until(socket, "error"))["kinds"] == ["watched_word"]
    await socket.disconnect()


async def test_a_held_back_message_uses_no_slow_mode_turn(room_with_two_members, member):
    room = room_with_two_members
    host = await db(make_member)(mfa=True)
    await db(add_member)(group=await db(lambda: room.group)(), user=host, role="moderator")
    await db(set_slow_mode)(actor=host, conversation=room, seconds=60)
    socket = await open_socket(member)
    await join(socket, room.pk)
    await send(socket, send_frame(room, "s-1", PHONE))
    assert (await receive_until(socket, "error"))["code"] == "identity_warning"
    await send(socket, send_frame(room, "s-1", PHONE, confirm=True))
    assert (await receive_until(socket, "ack"))["client_id"] == "s-1"
    await send(socket, send_frame(room, "s-2", "one more"))
    assert (await receive_until(socket, "error"))["code"] == "slow_mode"
    await socket.disconnect()


async def test_an_edit_is_held_back_with_its_message_id_and_confirmed_the_same_way(
    room_with_two_members, member
):
    room = room_with_two_members
    message = await db(post_as)(room, member, "see you at lunch")
    socket = await open_socket(member)
    await join(socket, room.pk)
    edit = {"type": "edit", "message_id": message.pk, "body": "mail me: me@example.org"}
    await send(socket, edit)
    warning = await receive_until(socket, "error")
    assert (warning["code"], warning["message_id"]) == ("identity_warning", message.pk)
    assert warning["kinds"] == ["email", "link"]
    await message.arefresh_from_db()
    assert message.body == "see you at lunch"

    await send(socket, {**edit, "confirm": True})
    updated = await receive_until(socket, "message.updated")
    assert updated["message"]["body"] == "mail me: me@example.org"
    await socket.disconnect()


async def test_direct_and_support_threads_are_checked_too(transactional_db):
    member, advocate = await db(make_member)(), await db(make_member)()
    conversation = await db(make_support_thread)(member=member, advocate=advocate)
    socket = await open_socket(advocate)
    await join(socket, conversation.pk)
    await send(socket, send_frame(conversation, "a-1", "my cell is +1 415 555 2671"))
    assert (await receive_until(socket, "error"))["kinds"] == ["phone"]
    await socket.disconnect()


async def test_a_self_harm_signal_is_sent_and_only_its_writer_gets_the_crisis_notice(
    room_with_two_members, member, other_member, caplog
):
    room = room_with_two_members
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)
    with caplog.at_level(logging.DEBUG):
        await send(alice, send_frame(room, "h-1", "some nights I want to end my life"))
        ack = await receive_until(alice, "ack")
        notice = await receive_until(alice, "notice")
    assert notice["code"] == "crisis_resources"
    assert (notice["conversation_id"], notice["client_id"]) == (room.pk, "h-1")
    assert notice["url"] == "/resources/crisis-lines/"
    assert "end my life" not in caplog.text
    # Bob sees the message and nothing else: a frame sent after it arrives with no notice.
    await send(alice, send_frame(room, "h-2", "anyway"))
    frames = await frames_until(bob, "message")
    assert frames[-1]["message"]["id"] == ack["id"]
    frames = await frames_until(bob, "message")
    assert all(frame["type"] != "notice" for frame in frames)
    await alice.disconnect()
    await bob.disconnect()


async def test_held_back_text_is_never_logged(room_with_two_members, member, caplog):
    room = room_with_two_members
    await db(save_before_you_send_settings)(user=member, words=["Vandelay"], phone_region="")
    socket = await open_socket(member)
    await join(socket, room.pk)
    with caplog.at_level(logging.DEBUG):
        await send(socket, send_frame(room, "v-1", "Vandelay, (415) 555-2671"))
        warning = await receive_until(socket, "error")
    assert warning["kinds"] == ["phone", "own_word"]
    assert "Vandelay" not in caplog.text and "555" not in caplog.text
    await socket.disconnect()
