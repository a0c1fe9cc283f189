import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from django.conf import settings
from django.utils import timezone

from community.models import Membership
from messaging.models import Message
from messaging.services.realtime import broadcast_room_settings, end_group_membership_sockets
from moderation.models import Block
from tests.factories import make_member, make_support_thread
from tests.messaging.conftest import (
    add_member,
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


async def test_anonymous_visitor_cannot_connect(transactional_db):
    socket = await open_socket(None, expect_connected=False)
    assert not socket.connected
    await socket.disconnect()


async def test_cross_origin_handshake_is_refused(member):
    socket = await open_socket(member, origin="https://evil.example", expect_connected=False)
    assert not socket.connected
    await socket.disconnect()


async def test_origin_less_handshake_is_refused(member):
    socket = await open_socket(member, origin=None, expect_connected=False)
    assert not socket.connected
    await socket.disconnect()


async def test_message_is_acked_with_server_id_and_reaches_the_other_member(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)
    await send(
        alice,
        {
            "type": "send",
            "conversation_id": room.pk,
            "client_id": "c-1",
            "body": "hello <b>there</b>",
        },
    )
    ack = await receive_until(alice, "ack")
    stored = await db(Message.objects.get)(pk=ack["id"])
    assert ack["client_id"] == "c-1" and stored.body == "hello <b>there</b>"
    assert ack["seq"] == stored.seq == bob.through_seq + 1
    live = await receive_until(bob, "message")
    assert live["message"]["id"] == ack["id"]
    assert live["seq"] == live["message"]["seq"] == ack["seq"]
    assert live["message"]["sender"]["pseudonym"] == (await db(lambda: member.profile.pseudonym)())
    assert "<b>" not in live["message"]["html"]
    # Invariant 1: no email anywhere in what another member receives.
    assert member.email not in str(live)
    await send(
        alice, {"type": "send", "conversation_id": room.pk, "client_id": "c-2", "body": "second"}
    )
    second = await receive_until(alice, "ack")
    assert second["id"] > ack["id"] and second["seq"] == ack["seq"] + 1
    await alice.disconnect()
    await bob.disconnect()


async def test_resent_client_id_is_stored_once_and_acked_with_the_same_id(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)
    frame = {"type": "send", "conversation_id": room.pk, "client_id": "same", "body": "once"}
    await send(alice, frame)
    first = await receive_until(alice, "ack")
    await send(alice, frame)
    second = await receive_until(alice, "ack")
    assert first["id"] == second["id"] and first["seq"] == second["seq"]
    assert await db(Message.objects.filter(conversation=room).count)() == 1
    assert (await receive_until(bob, "message"))["seq"] == first["seq"]
    # Nothing was announced for the resend: the next message Bob gets is the next one (a
    # presence batch may come in between on a loaded machine).
    await send(alice, {**frame, "client_id": "next", "body": "then"})
    following = await receive_until(bob, "message")
    assert following["seq"] == first["seq"] + 1
    await alice.disconnect()
    await bob.disconnect()


async def test_non_member_cannot_join_a_room_and_learns_only_not_found(room_with_two_members):
    stranger = await db(make_member)()
    socket = await open_socket(stranger)
    await send(socket, {"type": "join", "conversation_id": room_with_two_members.pk})
    error = await receive(socket)
    assert error == {"type": "error", "code": "not_found", "message": error["message"]}
    missing = room_with_two_members.pk + 1000
    await send(socket, {"type": "join", "conversation_id": missing})
    assert (await receive(socket))["code"] == "not_found"
    await socket.disconnect()


async def _post(conversation, sender, count, prefix="m"):
    """Posts through the service (so it is broadcast); returns the stored messages."""
    return [await db(post_as)(conversation, sender, f"{prefix}{number}") for number in range(count)]


async def _ids(messages):
    return [message.pk for message in messages]


async def test_reconnecting_with_its_position_gets_everything_after_it_without_gap_or_duplicate(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    seen = await _post(room, member, 3, "a")
    missed = await _post(room, member, 4, "b")
    socket = await open_socket(other_member)
    resumed = await join(socket, room.pk, after_seq=seen[-1].seq)
    assert [message["id"] for message in resumed] == await _ids(missed)
    assert socket.through_seq == missed[-1].seq
    later = await _post(room, member, 1, "c")
    live = await receive_until(socket, "message")
    assert live["message"]["id"] == later[0].pk and live["seq"] == missed[-1].seq + 1
    await socket.disconnect()


async def test_resume_sends_changes_made_meanwhile_to_messages_already_seen(
    room_with_two_members, member, other_member
):
    from messaging.services.conversations import delete_message, edit_message

    room = room_with_two_members
    first, second = await _post(room, member, 2, "seen")
    await db(edit_message)(message_id=first.pk, editor=member, body="fixed while you were away")
    await db(delete_message)(message_id=second.pk, actor=member)
    socket = await open_socket(other_member)
    resumed = await join(socket, room.pk, after_seq=second.seq)
    assert [(message["id"], message["body"], message["deleted"]) for message in resumed] == [
        (first.pk, "fixed while you were away", False),
        (second.pk, "", True),
    ]
    assert socket.through_seq == second.seq + 2
    await socket.disconnect()


async def test_history_pages_backwards_by_place_in_the_conversation(room_with_two_members, member):
    room = room_with_two_members
    posted = await _post(room, member, 60)
    socket = await open_socket(member)
    latest = await join(socket, room.pk)
    assert [message["id"] for message in latest] == (await _ids(posted))[-50:]
    await send(
        socket, {"type": "history", "conversation_id": room.pk, "before_seq": posted[-50].seq}
    )
    older = await receive_until(socket, "messages")
    assert older["mode"] == "history" and older["has_more"] is False
    assert [message["id"] for message in older["messages"]] == (await _ids(posted))[:10]
    await socket.disconnect()


async def test_edit_and_delete_reach_everyone_and_leave_a_tombstone(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    [posted] = await _post(room, member, 1)
    message_id = posted.pk
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)
    await send(alice, {"type": "edit", "message_id": message_id, "body": "fixed"})
    edited = await receive_until(bob, "message.updated")
    assert edited["message"]["body"] == "fixed" and edited["message"]["edited_at"]
    # A change takes the next stream position; the message keeps its place.
    assert edited["seq"] == posted.seq + 1 and edited["message"]["seq"] == posted.seq
    await send(bob, {"type": "delete", "message_id": message_id})
    assert (await receive_until(bob, "error"))["code"] == "not_yours"
    await send(alice, {"type": "delete", "message_id": message_id})
    tombstone = await receive_until(bob, "message.updated")
    assert tombstone["message"]["deleted"] is True and tombstone["message"]["body"] == ""
    stored = await db(Message.objects.get)(pk=message_id)
    assert stored.body == "" and stored.deleted_at is not None
    await alice.disconnect()
    await bob.disconnect()


async def test_edit_window_closes(room_with_two_members, member):
    room = room_with_two_members
    [posted] = await _post(room, member, 1)
    message_id = posted.pk
    await db(Message.objects.filter(pk=message_id).update)(
        created_at=timezone.now() - timedelta(hours=1)
    )
    socket = await open_socket(member)
    await join(socket, room.pk)
    await send(socket, {"type": "edit", "message_id": message_id, "body": "late"})
    assert (await receive_until(socket, "error"))["code"] == "edit_window_closed"
    await socket.disconnect()


async def test_rate_limit_refuses_with_a_code_and_keeps_what_was_accepted(
    room_with_two_members, member
):
    room = room_with_two_members
    socket = await open_socket(member)
    await join(socket, room.pk)
    limit = settings.KINDRED_CHAT_RATE_LIMIT[0]
    acked = []
    for number in range(limit + 1):
        await send(
            socket,
            {"type": "send", "conversation_id": room.pk, "client_id": f"r{number}", "body": "x"},
        )
        frame = await receive_until(socket, "ack" if number < limit else "error")
        acked.append(frame)
    assert acked[-1]["code"] == "rate_limited" and acked[-1]["client_id"] == f"r{limit}"
    assert await db(Message.objects.filter(conversation=room).count)() == limit
    await socket.disconnect()


async def test_too_long_message_is_refused(room_with_two_members, member):
    socket = await open_socket(member)
    await join(socket, room_with_two_members.pk)
    await send(
        socket,
        {
            "type": "send",
            "conversation_id": room_with_two_members.pk,
            "client_id": "long",
            "body": "x" * 4001,
        },
    )
    assert (await receive_until(socket, "error"))["code"] == "too_long"
    await socket.disconnect()


async def test_bad_frames_get_error_frames_and_the_socket_stays_up(member):
    socket = await open_socket(member)
    for raw, code in [
        ("{not json", "malformed"),
        ("[1, 2]", "malformed"),
        ('{"type": 3}', "malformed"),
        ('{"type": "dance"}', "unknown_type"),
        ("x" * 20_000, "frame_too_large"),
        ('{"type": "join", "conversation_id": "1"}', "invalid"),
        ('{"type": "send", "conversation_id": 5, "client_id": "a", "body": "b"}', "not_joined"),
        # Nested deeper than the decoder goes (a RecursionError inside json): still malformed.
        ("[" * 7000 + "]" * 7000, "malformed"),
        ('{"type": "ping", "x": ' + "[" * 7000 + "]" * 7000 + "}", "malformed"),
    ]:
        await socket.send_to(text_data=raw)
        frame = await receive(socket)
        assert frame["code"] == code, raw[:80]
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await receive(socket))["code"] == "unsupported"
    await send(socket, {"type": "ping"})
    assert (await receive(socket))["type"] == "pong"
    await socket.disconnect()


async def test_removed_member_socket_closes_at_once_and_receives_nothing_more(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    bob = await open_socket(other_member)
    await join(bob, room.pk)
    await drain(bob)

    def remove_bob():
        Membership.objects.filter(user=other_member).update(state=Membership.State.REMOVED)
        end_group_membership_sockets(group_id=room.group_id, user_id=other_member.pk)

    await db(remove_bob)()
    await _post(room, member, 1)
    output = await bob.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": 4003}
    await bob.disconnect()


async def test_locked_room_refuses_members_but_not_moderators(member, other_member):
    moderator = await db(make_member)(mfa=True)
    group = await db(make_group)(members=[member], moderators=[moderator])
    from messaging.services.conversations import get_or_create_group_room

    room = await db(get_or_create_group_room)(group=group)
    room.locked = True
    await db(room.save)(update_fields=["locked"])
    alice, host = await open_socket(member), await open_socket(moderator)
    await join(alice, room.pk)
    await join(host, room.pk)
    await send(alice, {"type": "send", "conversation_id": room.pk, "client_id": "a", "body": "hi"})
    assert (await receive_until(alice, "error"))["code"] == "locked"
    await send(host, {"type": "send", "conversation_id": room.pk, "client_id": "h", "body": "hi"})
    assert (await receive_until(host, "ack"))["id"]
    await alice.disconnect()
    await host.disconnect()


async def test_links_restricted_and_slow_mode_apply_from_the_next_frame(
    room_with_two_members, member
):
    from moderation.actions.rooms import restrict_links, set_slow_mode

    room = room_with_two_members
    host = await db(make_member)(mfa=True)
    await db(add_member)(
        group=await db(lambda: room.group)(), user=host, role=Membership.Role.MODERATOR
    )
    socket = await open_socket(member)
    await join(socket, room.pk)
    await send(
        socket,
        {
            "type": "send",
            "conversation_id": room.pk,
            "client_id": "l0",
            "body": "see https://example.org",
            "confirm": True,  # a link could identify its writer: sent as they confirmed
        },
    )
    assert (await receive_until(socket, "ack"))["id"]
    await db(restrict_links)(actor=host, conversation=room, restricted=True)
    await db(set_slow_mode)(actor=host, conversation=room, seconds=30)
    # The socket is told at once; the settings count from then on.
    assert (await receive_until(socket, "room.updated"))["room"]["links_restricted"] is True
    assert (await receive_until(socket, "room.updated"))["room"]["slow_mode_seconds"] == 30
    await send(
        socket,
        {
            "type": "send",
            "conversation_id": room.pk,
            "client_id": "l1",
            "body": "see https://example.org",
        },
    )
    assert (await receive_until(socket, "error"))["code"] == "links_restricted"
    await send(
        socket, {"type": "send", "conversation_id": room.pk, "client_id": "s1", "body": "plain"}
    )
    assert (await receive_until(socket, "ack"))["id"]
    await send(
        socket, {"type": "send", "conversation_id": room.pk, "client_id": "s2", "body": "again"}
    )
    error = await receive_until(socket, "error")
    assert error["code"] == "slow_mode" and error["retry_after"] == 30
    await socket.disconnect()


async def test_blocked_members_messages_are_hidden_live_and_in_history(
    room_with_two_members, member, other_member
):
    from messaging.services.conversations import delete_message, edit_message

    room = room_with_two_members
    await db(Block.objects.create)(owner=other_member, target=member, kind=Block.Kind.BLOCK)
    [old] = await _post(room, member, 1, "old")
    bob = await open_socket(other_member)
    assert await join(bob, room.pk) == []
    [new] = await _post(room, member, 1, "new")
    await db(edit_message)(message_id=new.pk, editor=member, body="edited by the blocked")
    await db(delete_message)(message_id=old.pk, actor=member)
    [own] = await _post(room, other_member, 1, "own")
    # Every position reaches Bob in order; the blocked author's new message, edit and
    # deletion arrive only as `skip` (no body, no pseudonym), so nothing of theirs leaks and
    # Bob can still tell "not for you" from "missing".
    frames = []
    while len(frames) < 4:
        frame = await receive(bob)
        # Only the stream's frames: presence news may come in between (in Redis mode).
        if frame["type"] in ("message", "message.updated", "skip"):
            frames.append(frame)
    assert [(frame["type"], frame["seq"]) for frame in frames] == [
        ("skip", new.seq),
        ("skip", new.seq + 1),
        ("skip", new.seq + 2),
        ("message", own.seq),
    ]
    assert frames[0] == {"type": "skip", "conversation_id": room.pk, "seq": new.seq}
    blocked_name = await db(lambda: member.profile.pseudonym)()
    assert blocked_name not in str(frames) and "edited by the blocked" not in str(frames)
    assert frames[-1]["message"]["body"] == "own0"
    # Resuming leaves them out too, and the page still ends at the stream's position.
    again = await open_socket(other_member)
    resumed = await join(again, room.pk, after_seq=old.seq - 1)
    assert [message["id"] for message in resumed] == [own.pk]
    assert again.through_seq == own.seq
    await bob.disconnect()
    await again.disconnect()


async def test_presence_lists_members_in_the_room_and_respects_appear_offline(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    shy = await db(make_member)()
    await db(add_member)(group=await db(lambda: room.group)(), user=shy)
    shy.profile.appear_offline = True
    await db(shy.profile.save)(update_fields=["appear_offline"])
    alice = await open_socket(member)
    await join(alice, room.pk)
    hidden = await open_socket(shy)
    await join(hidden, room.pk)
    bob = await open_socket(other_member)
    await send(bob, {"type": "join", "conversation_id": room.pk})
    presence = await receive_until(bob, "presence")
    names = {entry["pseudonym"] for entry in presence["members"]}
    expected = await db(lambda: {member.profile.pseudonym, other_member.profile.pseudonym})()
    assert names == expected
    assert "last" not in str(presence)
    # Invariant 1: presence frames name members by pseudonym only, never by email.
    assert member.email not in str(presence) and other_member.email not in str(presence)
    bob_name = await db(lambda: other_member.profile.pseudonym)()
    bob_public_id = await db(lambda: other_member.profile.public_id)()
    arrived = await receive_until(alice, "presence.changed")
    while bob_name not in [entry["pseudonym"] for entry in arrived["arrived"]]:
        arrived = await receive_until(alice, "presence.changed")
    # Arrivals close together come in one frame (Alice's own may be in it too).
    assert {"public_id": bob_public_id, "pseudonym": bob_name} in arrived["arrived"]
    assert {entry["pseudonym"] for entry in arrived["arrived"]} <= expected
    assert arrived["departed"] == []
    assert other_member.email not in str(arrived)
    await bob.disconnect()
    # Alice sees Bob leave; nobody ever hears of the member who appears offline.
    left = await receive_until(alice, "presence.changed")
    assert left == {
        "type": "presence.changed",
        "conversation_id": room.pk,
        "arrived": [],
        "departed": [bob_public_id],
    }
    await hidden.disconnect()
    await send(alice, {"type": "ping", "ref": "after"})
    shy_name = await db(lambda: shy.profile.pseudonym)()
    frames = []
    while not frames or frames[-1]["type"] != "pong":
        frames.append(await receive(alice))
    assert shy_name not in str(frames)
    await alice.disconnect()


async def test_notification_is_pushed_live_with_unread_count(member):
    from messaging.services.notifications import notify

    socket = await open_socket(member)
    await db(notify)(recipient_id=member.pk, kind="test", text="Something new", url="/")
    frame = await receive_until(socket, "notification")
    assert frame["notification"]["text"] == "New activity"  # discreet by default
    assert frame["notification"]["url"].startswith("/notifications/")
    assert frame["unread_notifications"] == 1
    await socket.disconnect()


async def test_many_frames_in_flight_keep_their_order(room_with_two_members, member, other_member):
    room = room_with_two_members
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)
    for number in range(10):
        await send(
            alice,
            {
                "type": "send",
                "conversation_id": room.pk,
                "client_id": f"o{number}",
                "body": str(number),
            },
        )
    received = [await receive_until(bob, "message") for _ in range(10)]
    first = received[0]["seq"]
    assert [frame["seq"] for frame in received] == list(range(first, first + 10))
    assert [frame["message"]["body"] for frame in received] == [str(n) for n in range(10)]
    await asyncio.gather(alice.disconnect(), bob.disconnect())


async def test_a_member_who_is_not_a_participant_cannot_read_a_direct_thread(member, other_member):
    conversation = await db(make_support_thread)(member=member, advocate=other_member)
    stranger = await db(make_member)()
    socket = await open_socket(stranger)
    await send(socket, {"type": "join", "conversation_id": conversation.pk})
    assert (await receive(socket))["code"] == "not_found"
    await send(socket, {"type": "history", "conversation_id": conversation.pk, "before_seq": 5})
    assert (await receive(socket))["code"] == "not_joined"
    await socket.disconnect()


async def test_moderation_events_reach_every_joined_socket_once(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)
    stranger = await open_socket(await db(make_member)())
    settings_now = {"locked": True, "slow_mode_seconds": 0, "links_restricted": False}
    await db(broadcast_room_settings)(conversation_id=room.pk, room=settings_now)
    for socket in (alice, bob):
        frame = await receive_until(socket, "room.updated")
        assert frame == {"type": "room.updated", "conversation_id": room.pk, "room": settings_now}
    # The stranger's very next frame is the answer to its own ping: no room event came first.
    await send(stranger, {"type": "ping", "ref": "probe"})
    assert await receive(stranger) == {"type": "pong", "ref": "probe"}
    await asyncio.gather(alice.disconnect(), bob.disconnect(), stranger.disconnect())


async def test_an_expired_or_deleted_session_closes_the_socket_on_the_next_frame(
    room_with_two_members, member
):
    from django.contrib.sessions.models import Session

    socket = await open_socket(member)
    await join(socket, room_with_two_members.pk)
    await drain(socket)
    await db(lambda: Session.objects.all().delete())()
    await send(
        socket,
        {
            "type": "send",
            "conversation_id": room_with_two_members.pk,
            "client_id": "late",
            "body": "after expiry",
        },
    )
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4001}
    assert not await db(Message.objects.filter(client_id="late").exists)()
    await socket.disconnect()


async def test_a_deactivated_account_is_closed_on_the_next_frame(room_with_two_members, member):
    from community.models import User

    socket = await open_socket(member)
    await db(User.objects.filter(pk=member.pk).update)(is_active=False)
    await send(socket, {"type": "join", "conversation_id": room_with_two_members.pk})
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4001}
    await socket.disconnect()


async def test_a_flood_of_frames_is_refused_beyond_the_per_socket_budget(member):
    socket = await open_socket(member)
    allowed = settings.KINDRED_SOCKET_FRAME_BUDGET[0]
    for number in range(allowed + 5):
        await send(socket, {"type": "ping", "ref": number})
    answers = [await receive(socket) for _number in range(allowed + 5)]
    assert [answer["type"] for answer in answers[:allowed]] == ["pong"] * allowed
    assert {answer["code"] for answer in answers[allowed:]} == {"rate_limited"}
    await socket.disconnect()
