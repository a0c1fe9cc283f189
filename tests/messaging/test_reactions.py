"""Reactions on chat messages (issue 12; docs/protocol.md, "Reactions"): counts only, live for
everyone joined as `message.updated`; the reactor alone hears which are theirs; setting is
idempotent; a message the member cannot see cannot be reacted to; who reacted never leaves
the server."""

import pytest
from channels.db import database_sync_to_async as db
from django.test import Client
from django.urls import reverse

from messaging.models import Message, MessageReaction
from moderation.models import Block
from tests.factories import make_member
from tests.messaging.conftest import (
    add_member,
    drain,
    join,
    open_socket,
    post_as,
    receive_until,
    send,
)

pytestmark = pytest.mark.django_db(transaction=True)


def react(message_id: int, kind: str = "me_too", **extra) -> dict:
    return {"type": "react", "message_id": message_id, "kind": kind, **extra}


async def test_a_reaction_reaches_everyone_as_counts_and_mine_only_the_reactor(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    message = await db(post_as)(room, other_member, "It was a hard week.")
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)
    await send(alice, react(message.pk))
    mine = await receive_until(alice, "reaction")
    assert (mine["message_id"], mine["mine"]) == (message.pk, ["me_too"])
    updated = await receive_until(bob, "message.updated")
    assert updated["message"]["reactions"] == {"me_too": 1}
    assert member.profile.public_id not in str(updated)  # who reacted is never sent
    # The reactor gets the counts too (message.updated; it may come before `reaction`).

    # Setting it again changes nothing and announces nothing; clearing it does.
    await send(alice, react(message.pk, on=True))
    assert (await receive_until(alice, "reaction"))["mine"] == ["me_too"]
    assert not [frame for frame in await drain(bob) if frame["type"] == "message.updated"]
    await send(alice, react(message.pk, kind="support"))
    await receive_until(alice, "reaction")
    assert (await receive_until(bob, "message.updated"))["message"]["reactions"] == {
        "support": 1,
        "me_too": 1,
    }
    await send(alice, react(message.pk, on=False))
    assert (await receive_until(alice, "reaction"))["mine"] == ["support"]
    assert (await receive_until(bob, "message.updated"))["message"]["reactions"] == {"support": 1}
    await alice.disconnect()

    # A later join carries the counts in the message itself.
    carol = await open_socket(other_member)
    latest = await join(carol, room.pk)
    assert latest[-1]["reactions"] == {"support": 1}
    await carol.disconnect()
    await bob.disconnect()


async def test_bad_reactions_get_clear_errors_and_the_socket_keeps_serving(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    message = await db(post_as)(room, other_member, "hello")
    alice = await open_socket(member)
    await join(alice, room.pk)
    for frame, code in [
        (react(message.pk, kind="laugh"), "invalid"),
        (react(message.pk, on="yes"), "invalid"),
        (react(message.pk, kind=None), "invalid"),
        (react(10**9), "not_found"),
        ({"type": "react", "kind": "me_too"}, "invalid"),
    ]:
        await send(alice, {**frame, "ref": 1})
        assert (await receive_until(alice, "error"))["code"] == code, frame
    await send(alice, react(message.pk))
    await receive_until(alice, "reaction")
    assert await db(MessageReaction.objects.count)() == 1
    await alice.disconnect()


async def test_no_reacting_to_what_the_member_cannot_see(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    message = await db(post_as)(room, other_member, "hello")
    outsider = await db(make_member)()
    stranger = await open_socket(outsider)
    await send(stranger, react(message.pk))
    assert (await receive_until(stranger, "error"))["code"] == "not_found"
    await stranger.disconnect()
    # The author is blocked: their messages are not for this viewer, not even to react to.
    await db(Block.objects.create)(owner=member, target=other_member, kind=Block.Kind.BLOCK)
    alice = await open_socket(member)
    await send(alice, react(message.pk))
    assert (await receive_until(alice, "error"))["code"] == "not_found"
    await db(Message.objects.filter(pk=message.pk).update)(body="", deleted_at=message.created_at)
    await alice.disconnect()
    assert await db(MessageReaction.objects.count)() == 0


def test_without_scripts_the_buttons_set_and_clear_a_reaction(room_with_two_members, member):
    room = room_with_two_members
    author = make_member()
    add_member(group=room.group, user=author)
    message = post_as(room, author, "Thank you all.")
    client = Client()
    client.force_login(member)
    url = reverse("messaging:react", args=[message.pk])
    room_url = reverse("messaging:room", args=[room.group.slug])
    response = client.post(url, {"kind": "thanks"})
    assert response["Location"] == f"{room_url}#message-{message.pk}"
    page = client.get(room_url).content.decode()
    assert (
        'value="thanks" class="reaction reaction-mine has-count" data-kind="thanks"'
        ' aria-pressed="true"' in page
    )
    assert 'Thank you <span class="reaction-count">1</span>' in page
    other = Client()
    other.force_login(author)
    theirs = other.get(room_url).content.decode()
    assert 'Thank you <span class="reaction-count">1</span>' in theirs
    assert 'aria-pressed="true"' not in theirs  # the count, not whose
    client.post(url, {"kind": "thanks"})
    assert not MessageReaction.objects.exists()
    assert Message.objects.get().reactions == {}
    assert client.post(url, {"kind": "nope"}).status_code == 302  # a clear error, back to safety
