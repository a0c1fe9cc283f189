"""Effects on open sockets: the live queue and room host controls, through config.asgi."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from django.utils import timezone

from moderation.actions.flag import flag_content
from moderation.actions.rooms import lock_room, restrict_links, set_slow_mode
from moderation.actions.sanction import sanction_member
from moderation.flaggables import get_flaggable
from moderation.policy import Reason
from tests.messaging.conftest import (
    drain,
    frames_until,
    join,
    open_socket,
    receive,
    receive_until,
    send,
)
from tests.moderation.conftest import build_scene, post_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_scene(transactional_db):
    return build_scene()


async def _queue_socket(user):
    socket = await open_socket(user, path="/ws/moderation/", expect_connected=False)
    return socket


async def _refusal_code(socket) -> int:
    """A refused queue socket is accepted, then closed with a code the page can act on (a
    close before accepting would be an HTTP 403, which browsers report as 1006)."""
    assert socket.connected, "refused at the handshake: the client sees no close code"
    output = await socket.receive_output(timeout=3)
    assert output["type"] == "websocket.close", f"expected a close, got {output}"
    return output["code"]


async def _say(socket, conversation_id: int, client_id: str, body: str) -> None:
    await send(
        socket,
        {"type": "send", "conversation_id": conversation_id, "client_id": client_id, "body": body},
    )


async def _wait_for_close(socket) -> None:
    while True:
        output = await socket.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            return


async def test_moderators_online_see_a_new_flag_at_once(live_scene):
    scene = live_scene
    moderator_socket = await _queue_socket(scene.moderator)
    assert moderator_socket.connected
    # Open and quiet: the very next output is the answer to a frame of ours (the queue socket
    # is read-only), so nothing, not a close either, came first.
    await send(moderator_socket, {"type": "ping"})
    assert await receive(moderator_socket) == {"type": "error", "code": "read_only"}
    message = await db(post_message)(room=scene.room, sender=scene.author, body="leave now")
    await db(flag_content)(
        flagger=scene.reporter,
        flaggable=get_flaggable("message"),
        obj=message,
        reason=Reason.THREAT,
    )
    frame = await receive(moderator_socket)
    assert frame["type"] == "queue.changed" and set(frame) == {"type", "item_id", "urgent"}
    await moderator_socket.disconnect()


async def test_site_moderators_with_two_factor_see_every_groups_flags(live_scene):
    scene = live_scene
    socket = await _queue_socket(scene.site_moderator)
    message = await db(post_message)(room=scene.room, sender=scene.author, body="watch out")
    await db(flag_content)(
        flagger=scene.reporter,
        flaggable=get_flaggable("message"),
        obj=message,
        reason=Reason.THREAT,
    )
    frame = await receive(socket)
    assert frame["type"] == "queue.changed"
    await socket.disconnect()


async def test_a_visitor_who_is_not_signed_in_is_closed_with_4401(live_scene):
    socket = await _queue_socket(None)
    assert await _refusal_code(socket) == 4401
    await socket.disconnect()


async def test_non_moderators_and_moderators_without_two_factor_are_closed_with_4403(live_scene):
    from tests.factories import make_member

    without_two_factor = [
        live_scene.reporter,
        await db(make_member)(site_moderator=True),
        await db(make_member)(mfa=True),  # two-factor, but moderates nothing
    ]
    for user in without_two_factor:
        socket = await _queue_socket(user)
        assert await _refusal_code(socket) == 4403
        await socket.disconnect()


async def test_a_refused_queue_socket_hears_no_queue_events(live_scene):
    scene = live_scene
    # The group's moderator listens first: their frame proves the event went out to the
    # queue's listeners before we look at the refused socket.
    listening = await _queue_socket(scene.moderator)
    socket = await _queue_socket(scene.reporter)
    assert await _refusal_code(socket) == 4403
    message = await db(post_message)(room=scene.room, sender=scene.author, body="again")
    item = (
        await db(flag_content)(
            flagger=scene.bystander,
            flaggable=get_flaggable("message"),
            obj=message,
            reason=Reason.THREAT,
        )
    ).obj.item
    assert (await receive(listening))["item_id"] == item.pk
    # The test client can still hand the refused socket a frame (no browser could after the
    # close): its answer is the next output, so no queue event came before it.
    await send(socket, {"type": "ping"})
    assert await receive(socket) == {"type": "error", "code": "read_only"}
    await listening.disconnect()
    await socket.disconnect()


async def test_lock_reaches_open_sockets_and_refuses_the_next_message(live_scene):
    scene = live_scene
    author = await open_socket(scene.author)
    await join(author, scene.room.pk)
    await drain(author)
    await db(lock_room)(actor=scene.moderator, conversation=scene.room, locked=True)
    update = await receive_until(author, "room.updated")
    assert update["room"]["locked"] is True
    await _say(author, scene.room.pk, "x1", "still here?")
    error = await receive_until(author, "error")
    assert error["code"] == "locked"
    await author.disconnect()


async def test_mute_refuses_the_authors_next_message_at_once(live_scene):
    scene = live_scene
    author = await open_socket(scene.author)
    await join(author, scene.room.pk)
    await drain(author)
    await db(sanction_member)(
        actor=scene.moderator,
        target=scene.author,
        kind="mute",
        reason="Cool off",
        group=scene.group,
        ends_at=timezone.now() + timedelta(minutes=10),
    )
    # The socket is told of the mute at once, and tells its client until when.
    updated = await receive_until(author, "access.updated")
    assert updated["can_moderate"] is False and updated["muted_until"]
    await _say(author, scene.room.pk, "m1", "can I talk?")
    error = await receive_until(author, "error")
    assert error["code"] == "muted" and error["client_id"] == "m1"
    await author.disconnect()


async def test_slow_mode_and_link_restriction_take_effect(live_scene):
    scene = live_scene
    author = await open_socket(scene.author)
    await join(author, scene.room.pk)
    await drain(author)
    await db(restrict_links)(actor=scene.moderator, conversation=scene.room, restricted=True)
    await receive_until(author, "room.updated")
    await _say(author, scene.room.pk, "l1", "see https://example.com")
    assert (await receive_until(author, "error"))["code"] == "links_restricted"
    await db(set_slow_mode)(actor=scene.moderator, conversation=scene.room, seconds=60)
    assert (await receive_until(author, "room.updated"))["room"]["slow_mode_seconds"] == 60
    for client_id in ("s1", "s2"):
        await _say(author, scene.room.pk, client_id, "plain words")
    assert (await receive_until(author, "ack"))["client_id"] == "s1"
    assert (await receive_until(author, "error"))["code"] == "slow_mode"
    await author.disconnect()


async def test_ban_closes_the_members_room_socket(live_scene):
    scene = live_scene
    author = await open_socket(scene.author)
    await join(author, scene.room.pk)
    await drain(author)
    await db(sanction_member)(
        actor=scene.moderator, target=scene.author, kind="ban", reason="Threats", group=scene.group
    )
    await _wait_for_close(author)
    await author.disconnect()


async def test_suspension_closes_every_socket_of_the_member(live_scene):
    scene = live_scene
    author = await open_socket(scene.author)
    await drain(author)
    await db(sanction_member)(
        actor=scene.site_moderator, target=scene.author, kind="suspend", reason="Site-wide"
    )
    await _wait_for_close(author)
    await author.disconnect()


async def test_blocking_hides_the_targets_new_messages_on_the_owners_open_socket(live_scene):
    from moderation.services.blocks import block_member

    scene = live_scene
    owner, bystander, author = (
        await open_socket(scene.reporter),
        await open_socket(scene.bystander),
        await open_socket(scene.author),
    )
    for socket in (owner, bystander, author):
        await join(socket, scene.room.pk)
        await drain(socket)
    await db(block_member)(owner=scene.reporter, target=scene.author, kind="block")
    await drain(owner)
    await _say(author, scene.room.pk, "b1", "can you see me")
    blocked = await receive_until(bystander, "message")
    assert blocked["message"]["body"] == "can you see me"
    # A later message the owner may see: positions reach a socket in order, so whatever the
    # owner was sent for the blocked author's message came before it. It was a `skip`.
    await _say(bystander, scene.room.pk, "b2", "I can")
    frames = await frames_until(owner, "message")
    stream = [frame for frame in frames if frame["type"] in ("message", "skip")]
    assert stream[0] == {"type": "skip", "conversation_id": scene.room.pk, "seq": blocked["seq"]}
    assert len(stream) == 2 and stream[1]["message"]["body"] == "I can"
    assert stream[1]["seq"] == blocked["seq"] + 1
    for socket in (owner, bystander, author):
        await socket.disconnect()


async def test_the_queue_socket_closes_when_the_moderators_session_ends(live_scene):
    """Like every socket, the queue's lives as long as its session: suspending the moderator
    (which ends every session of the account) closes it with 4001 within a second."""
    scene = live_scene
    socket = await _queue_socket(scene.moderator)
    assert socket.connected
    await db(sanction_member)(
        actor=scene.site_moderator,
        target=scene.moderator,
        kind="suspend",
        reason="Abusing the tools",
        ends_at=timezone.now() + timedelta(days=1),
    )
    assert await socket.receive_output(timeout=1) == {"type": "websocket.close", "code": 4001}
    await socket.disconnect()
