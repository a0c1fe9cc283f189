"""Moderator powers in live rooms: the role and a second factor, asked by the same function as
every moderation page (DESIGN.md: moderators cannot use their tools until MFA is on); and site
moderators, who may enter any group's room to moderate it, shown there as "Moderator"."""

import pytest
from channels.db import database_sync_to_async as db
from django.test import Client
from django.urls import reverse

from community.models import Membership, Profile
from community.services.groups import set_member_role
from messaging.services.conversations import get_or_create_group_room
from tests.factories import make_member
from tests.messaging.conftest import (
    add_member,
    join,
    make_group,
    open_socket,
    receive,
    receive_until,
    send,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _say(client_id: str, room, body: str = "hello") -> dict:
    return {"type": "send", "conversation_id": room.pk, "client_id": client_id, "body": body}


async def _joined(socket, room) -> dict:
    await send(socket, {"type": "join", "conversation_id": room.pk})
    frame = await receive_until(socket, "joined")
    await receive_until(socket, "messages")
    return frame


def _locked_room(**people):
    group = make_group(name="Locked", **people)
    room = get_or_create_group_room(group=group)
    room.locked = True
    room.slow_mode_seconds = 60
    room.save(update_fields=["locked", "slow_mode_seconds"])
    return room


def _can_open_room_controls(user, room) -> bool:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("moderation:room_controls", args=[room.group_id]))
    return response.status_code == 200


async def test_a_group_moderator_without_two_factor_has_no_powers_in_the_room(member):
    plain_moderator = await db(make_member)()
    room = await db(_locked_room)(members=[member], moderators=[plain_moderator])
    socket = await open_socket(plain_moderator)
    assert (await _joined(socket, room))["can_moderate"] is False
    await send(socket, _say("m1", room))
    error = await receive_until(socket, "error")
    assert error["code"] == "locked" and error["client_id"] == "m1"
    await socket.disconnect()


async def test_with_two_factor_the_moderator_writes_in_a_locked_room_and_skips_slow_mode(member):
    moderator = await db(make_member)(mfa=True)
    room = await db(_locked_room)(members=[member], moderators=[moderator])
    socket = await open_socket(moderator)
    assert (await _joined(socket, room))["can_moderate"] is True
    for number in range(2):
        await send(socket, _say(f"h{number}", room))
        assert (await receive_until(socket, "ack"))["client_id"] == f"h{number}"
    await socket.disconnect()


async def test_sockets_and_moderation_pages_grant_the_same_people_moderator_powers(member):
    people = {
        "member": member,
        "moderator without 2FA": await db(make_member)(),
        "moderator with 2FA": await db(make_member)(mfa=True),
        "site moderator without 2FA": await db(make_member)(site_moderator=True),
        "site moderator with 2FA": await db(make_member)(site_moderator=True, mfa=True),
    }
    room = await db(_locked_room)(
        members=[member, people["site moderator without 2FA"], people["site moderator with 2FA"]],
        moderators=[people["moderator without 2FA"], people["moderator with 2FA"]],
    )
    for name, user in people.items():
        socket = await open_socket(user)
        over_socket = (await _joined(socket, room))["can_moderate"]
        over_http = await db(_can_open_room_controls)(user, room)
        assert over_socket == over_http == name.endswith("with 2FA"), name
        await socket.disconnect()


async def test_appointing_a_moderator_takes_effect_on_their_open_socket(member):
    owner = await db(make_member)(mfa=True)
    newcomer = await db(make_member)(mfa=True)
    room = await db(_locked_room)(members=[member, newcomer])
    group = await db(lambda: room.group)()
    await db(add_member)(group=group, user=owner, role=Membership.Role.OWNER)
    socket = await open_socket(newcomer)
    await _joined(socket, room)
    await send(socket, _say("before", room))
    assert (await receive_until(socket, "error"))["code"] == "locked"
    membership = await db(Membership.objects.get)(group=group, user=newcomer)
    await db(set_member_role)(actor=owner, membership=membership, role=Membership.Role.MODERATOR)
    # The socket hears that its access changed, and tells its client.
    updated = await receive_until(socket, "access.updated")
    assert updated == {
        "type": "access.updated",
        "conversation_id": room.pk,
        "can_moderate": True,
        "muted_until": None,
    }
    await send(socket, _say("after", room))
    assert (await receive_until(socket, "ack"))["client_id"] == "after"
    await socket.disconnect()


async def test_a_site_moderator_moderates_any_room_shown_only_as_moderator(member, other_member):
    site_moderator = await db(make_member)(site_moderator=True, mfa=True, pseudonym="StaffName7")
    room = await db(_locked_room)(members=[member, other_member])
    second_room = await db(get_or_create_group_room)(
        group=await db(make_group)(name="Elsewhere", members=[member])
    )
    watcher = await open_socket(member)
    await join(watcher, room.pk)
    host = await open_socket(site_moderator)
    assert (await _joined(host, room))["can_moderate"] is True
    await send(host, _say("s1", room, "Please keep it kind."))
    ack = await receive_until(host, "ack")
    frames = []
    while not frames or frames[-1]["type"] != "message":
        frames.append(await receive(watcher))
    message = frames[-1]["message"]
    assert message["id"] == ack["id"] and message["body"] == "Please keep it kind."
    assert message["sender"]["pseudonym"] == "Moderator"
    assert message["sender"]["avatar_seed"] is None
    moderator_id = message["sender"]["public_id"]
    profile = await db(Profile.objects.get)(user=site_moderator)
    assert moderator_id.startswith("moderator-") and moderator_id != profile.public_id
    # Never by name or id, neither in messages nor in the attendee list.
    assert "StaffName7" not in str(frames) and profile.public_id not in str(frames)
    listed = {"public_id": moderator_id, "pseudonym": "Moderator"}
    while listed not in _arrivals(frames):
        frames.append(await receive(watcher))
    assert "StaffName7" not in str(frames) and profile.public_id not in str(frames)
    # The room's page shows the same, and the alias is not the same in another room.
    page = await db(_room_page)(member, room)
    assert "Please keep it kind." in page and "StaffName7" not in page
    assert profile.public_id not in page
    await join(host, second_room.pk)
    await send(host, _say("s2", second_room, "Hello here too."))
    await receive_until(host, "ack")
    elsewhere = await db(_room_page)(member, second_room)
    assert "Hello here too." in elsewhere and moderator_id not in elsewhere
    await watcher.disconnect()
    await host.disconnect()


def _arrivals(frames) -> list[dict]:
    return [
        entry
        for frame in frames
        if frame["type"] == "presence.changed"
        for entry in frame["arrived"]
    ]


def _room_page(user, room) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("messaging:room", args=[room.group.slug]))
    assert response.status_code == 200
    return response.content.decode()


async def test_a_site_moderator_without_two_factor_cannot_enter_a_room_they_are_not_in(member):
    site_moderator = await db(make_member)(site_moderator=True)
    room = await db(_locked_room)(members=[member])
    socket = await open_socket(site_moderator)
    await send(socket, {"type": "join", "conversation_id": room.pk})
    assert (await receive(socket))["code"] == "not_found"
    await socket.disconnect()

    def page_status():
        client = Client()
        client.force_login(site_moderator)
        return client.get(reverse("messaging:room", args=[room.group.slug])).status_code

    assert await db(page_status)() == 404
