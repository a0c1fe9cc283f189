""" "Appear offline" hides a member from the other members of a room, never from its hosts.

A meeting's host checks who is present (DESIGN.md, meeting security): the room's moderators
see everyone whose socket is in the room, those who appear offline marked `appears_offline`;
other members are never told of them (issue 14)."""

import pytest
from channels.db import database_sync_to_async as db

from community.models import Membership
from messaging.services.conversations import get_or_create_group_room
from tests.community.groups_helpers import add_member
from tests.factories import make_member
from tests.messaging.conftest import (
    frames_until,
    join,
    make_group,
    open_socket,
    receive_until,
    send,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _entry(public_id: str, pseudonym: str, *, appears_offline: bool) -> dict:
    return {"public_id": public_id, "pseudonym": pseudonym, "appears_offline": appears_offline}


def _room_with_people():
    member = make_member(pseudonym="OpenMaple1")
    shy = make_member(pseudonym="ShyWillow2")
    shy.profile.appear_offline = True
    shy.profile.save(update_fields=["appear_offline"])
    host = make_member(pseudonym="HostCedar3", mfa=True)
    group = make_group(name="Night shift", members=[member, shy], moderators=[host])
    room = get_or_create_group_room(group=group)
    ids = {user.profile.pseudonym: user.profile.public_id for user in (member, shy, host)}
    return room, member, shy, host, ids


async def _presence_on_join(socket, room) -> dict:
    await send(socket, {"type": "join", "conversation_id": room.pk})
    presence = await receive_until(socket, "presence")
    await receive_until(socket, "messages")
    return presence


async def _frames_so_far(socket) -> list[dict]:
    """Everything the socket received up to now: a ping's pong closes the list, so nothing
    sent before it can slip past a timeout."""
    await send(socket, {"type": "ping", "ref": "fence"})
    return await frames_until(socket, "pong")


async def _changes_until(socket, public_id: str, *, key: str) -> list[dict]:
    """presence.changed frames until one lists `public_id` under `key`."""
    seen = []
    while True:
        frame = await receive_until(socket, "presence.changed")
        seen.append(frame)
        listed = frame[key] if key == "departed" else [m["public_id"] for m in frame[key]]
        if public_id in listed:
            return seen


async def test_hosts_see_a_member_who_appears_offline_and_members_do_not():
    room, member, shy, host, ids = await db(_room_with_people)()
    hidden = await open_socket(shy)
    await join(hidden, room.pk)

    host_socket = await open_socket(host)
    host_view = await _presence_on_join(host_socket, room)
    assert {entry["pseudonym"]: entry["appears_offline"] for entry in host_view["members"]} == {
        "HostCedar3": False,
        "ShyWillow2": True,
    }
    assert _entry(ids["ShyWillow2"], "ShyWillow2", appears_offline=True) in host_view["members"]

    member_socket = await open_socket(member)
    member_view = await _presence_on_join(member_socket, room)
    assert member_view["members"] == sorted(
        [
            {"public_id": ids["HostCedar3"], "pseudonym": "HostCedar3"},
            {"public_id": ids["OpenMaple1"], "pseudonym": "OpenMaple1"},
        ],
        key=lambda entry: entry["pseudonym"],
    )
    assert "ShyWillow2" not in str(member_view) and "appears_offline" not in str(member_view)

    # The host hears the open member arrive, with the field; the member who appears offline
    # leaves, and only the host is told.
    arrivals = await _changes_until(host_socket, ids["OpenMaple1"], key="arrived")
    assert {
        "public_id": ids["OpenMaple1"],
        "pseudonym": "OpenMaple1",
        "appears_offline": False,
    } in (arrivals[-1]["arrived"])
    await hidden.disconnect()
    departures = await _changes_until(host_socket, ids["ShyWillow2"], key="departed")
    assert departures[-1]["departed"] == [ids["ShyWillow2"]]
    assert "ShyWillow2" not in str(await _frames_so_far(member_socket))
    assert ids["ShyWillow2"] not in str(await _frames_so_far(member_socket))

    await member_socket.disconnect()
    await host_socket.disconnect()


async def test_a_member_who_appears_offline_arriving_is_announced_to_hosts_only():
    room, member, shy, host, ids = await db(_room_with_people)()
    host_socket = await open_socket(host)
    await join(host_socket, room.pk)
    member_socket = await open_socket(member)
    await join(member_socket, room.pk)
    await _changes_until(host_socket, ids["OpenMaple1"], key="arrived")

    hidden = await open_socket(shy)
    await join(hidden, room.pk)
    arrived = await _changes_until(host_socket, ids["ShyWillow2"], key="arrived")
    assert _entry(ids["ShyWillow2"], "ShyWillow2", appears_offline=True) in arrived[-1]["arrived"]
    # The member's socket heard nothing of it (the host's frame came first, so the member's
    # would have too).
    heard = await _frames_so_far(member_socket)
    assert "ShyWillow2" not in str(heard) and ids["ShyWillow2"] not in str(heard)
    # Nor does the member who appears offline see themself listed to others: their own view
    # is a member's.
    await hidden.disconnect()
    await member_socket.disconnect()
    await host_socket.disconnect()


async def test_a_moderator_without_two_factor_is_not_a_host_and_sees_no_one_offline():
    room, _member, shy, _host, _ids = await db(_room_with_people)()
    plain_moderator = await db(make_member)(pseudonym="PlainBirch4")
    await db(_add_moderator)(room, plain_moderator)
    hidden = await open_socket(shy)
    await join(hidden, room.pk)
    socket = await open_socket(plain_moderator)
    view = await _presence_on_join(socket, room)
    assert "ShyWillow2" not in str(view) and "appears_offline" not in str(view)
    await hidden.disconnect()
    await socket.disconnect()


def _add_moderator(room, user):
    add_member(group=room.group, user=user, role=Membership.Role.MODERATOR)
