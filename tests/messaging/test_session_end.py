"""Every way a session ends closes its sockets (code 4001) within a second, through the real
entry point: the allauth forms, the sessions page, the admin, the moderation and data-rights
pages, and time. Where one session ends, the member's other sessions keep their sockets."""

import re
import time
from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import User
from messaging.services.conversations import get_or_create_group_room
from tests.factories import PASSWORD, make_member
from tests.messaging.conftest import (
    ORIGIN,
    join,
    make_group,
    output_after_ending,
    post_as,
    receive,
    receive_until,
    send,
)

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 1.0  # seconds from the action to the close frame
NEW_PASSWORD = "quiet-lantern-river-42"
CLOSED = {"type": "websocket.close", "code": 4001}


def sign_in(user, device: str) -> Client:
    """A real sign-in through allauth's form, so allauth tracks the session (UserSession)."""
    client = Client(HTTP_USER_AGENT=device)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert UserSession.objects.filter(session_key=session_key_of(client)).exists()
    return client


def session_key_of(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def open_socket_for(client: Client) -> WebsocketCommunicator:
    """The page's socket of that signed-in browser: its session cookie, through the real
    ASGI application."""
    from config.asgi import application

    headers = [
        (b"host", b"localhost"),
        (b"origin", ORIGIN.encode()),
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key_of(client)}".encode()),
    ]
    socket = WebsocketCommunicator(application, "/ws/chat/", headers=headers)
    connected, _code = await socket.connect()
    assert connected, "the socket was refused"
    assert (await receive(socket))["type"] == "hello"
    return socket


async def sign_in_with_socket(user, device: str) -> tuple[Client, WebsocketCommunicator]:
    client = await db(sign_in)(user, device)
    return client, await open_socket_for(client)


async def closed_within_limit(socket, started: float) -> float:
    """Waits for the close, reading past frames already on the way (a sanction's notice,
    presence), and returns how long after `started` it came."""
    while True:
        remaining = max(started + LIMIT - time.monotonic(), 0.01)
        output = await socket.receive_output(timeout=remaining)
        if output["type"] == "websocket.close":
            elapsed = time.monotonic() - started
            assert output == CLOSED
            assert elapsed < LIMIT, f"closed after {elapsed:.3f} s"
            return elapsed
        assert output["type"] == "websocket.send"


async def assert_still_open(socket, *, room, sender, body: str) -> None:
    """Proven positively: it answers a ping, and a room message sent now reaches it."""
    await send(socket, {"type": "ping", "ref": "still-there"})
    assert await receive_until(socket, "pong") == {"type": "pong", "ref": "still-there"}
    message = await db(post_as)(room, sender, body)
    assert (await receive_until(socket, "message"))["message"]["id"] == message.pk


@pytest.fixture
def room(member, other_member):
    return get_or_create_group_room(group=make_group(members=[member, other_member]))


# One session ends: its sockets close, the member's other sessions keep theirs.


async def test_signing_out_closes_that_sessions_sockets_only(member, other_member, room):
    laptop, laptop_socket = await sign_in_with_socket(member, "Laptop/1.0")
    phone, phone_socket = await sign_in_with_socket(member, "Phone/2.0")
    await join(laptop_socket, room.pk)

    started = time.monotonic()
    await db(phone.post)(reverse("account_logout"))
    await closed_within_limit(phone_socket, started)

    await assert_still_open(laptop_socket, room=room, sender=other_member, body="still here?")
    await laptop_socket.disconnect()
    await phone_socket.disconnect()


@pytest.mark.parametrize("other_devices", [1, 2], ids=["one-other-session", "all-others"])
async def test_signing_out_other_sessions_closes_their_sockets_but_not_this_ones(
    member, other_member, room, other_devices
):
    laptop, laptop_socket = await sign_in_with_socket(member, "Laptop/1.0")
    others = [await sign_in_with_socket(member, f"Phone/{n}") for n in range(other_devices)]
    for socket in [laptop_socket] + [socket for _client, socket in others]:
        await join(socket, room.pk)
    listing = await db(laptop.get)(reverse("usersessions_list"))
    assert listing.context["session_count"] == 1 + other_devices

    started = time.monotonic()
    response = await db(laptop.post)(reverse("usersessions_list"))
    assert response.status_code == 302
    for _client, socket in others:
        await closed_within_limit(socket, started)

    await assert_still_open(laptop_socket, room=room, sender=other_member, body="only you now")
    # One more message, received by the laptop: this process hands each position of the room
    # to all its sockets before the next, so a closed socket still (wrongly) in the room
    # would hold "only you now" by now.
    later = await db(post_as)(room, other_member, "and this one")
    assert (await receive_until(laptop_socket, "message"))["message"]["id"] == later.pk
    for client, socket in others:
        # The reported defect: the ended session's socket kept receiving the room.
        assert await output_after_ending(socket) == []
        assert (await db(client.get)(reverse("settings"))).status_code == 302
    await laptop_socket.disconnect()


async def test_an_expiring_session_closes_its_sockets_when_its_time_runs_out(
    member, other_member, room
):
    laptop, laptop_socket = await sign_in_with_socket(member, "Laptop/1.0")
    await join(laptop_socket, room.pk)
    phone = await db(sign_in)(member, "Phone/2.0")
    expires_at = timezone.now() + timedelta(seconds=1.5)
    await db(Session.objects.filter(session_key=session_key_of(phone)).update)(
        expire_date=expires_at
    )
    phone_socket = await open_socket_for(phone)

    left = (expires_at - timezone.now()).total_seconds()
    output = await phone_socket.receive_output(timeout=left + LIMIT)
    late = (timezone.now() - expires_at).total_seconds()
    assert output == CLOSED
    # Not before its time, and within the limit after it.
    assert 0 <= late < LIMIT, f"closed {late:+.3f} s from the session's expiry"

    await assert_still_open(laptop_socket, room=room, sender=other_member, body="time's up")
    await laptop_socket.disconnect()
    await phone_socket.disconnect()


# The whole account's sessions end: every socket of the member closes.


async def test_changing_the_password_closes_every_sessions_sockets(member):
    laptop, laptop_socket = await sign_in_with_socket(member, "Laptop/1.0")
    _phone, phone_socket = await sign_in_with_socket(member, "Phone/2.0")

    started = time.monotonic()
    await db(laptop.post)(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert (await db(User.objects.get)(pk=member.pk)).check_password(NEW_PASSWORD)
    for socket in (laptop_socket, phone_socket):
        await closed_within_limit(socket, started)
        await socket.disconnect()


async def test_resetting_the_password_by_mail_closes_every_sessions_sockets(member, mailoutbox):
    _laptop, laptop_socket = await sign_in_with_socket(member, "Laptop/1.0")
    _phone, phone_socket = await sign_in_with_socket(member, "Phone/2.0")
    stranger_device = Client()
    await db(stranger_device.post)(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"http://testserver(\S+)", mailoutbox[-1].body).group(1)
    form_page = await db(stranger_device.get)(link, follow=True)
    form_url = form_page.redirect_chain[-1][0]

    started = time.monotonic()
    response = await db(stranger_device.post)(
        form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert (await db(User.objects.get)(pk=member.pk)).check_password(NEW_PASSWORD)
    for socket in (laptop_socket, phone_socket):
        await closed_within_limit(socket, started)
        await socket.disconnect()


async def test_suspension_by_a_site_moderator_closes_every_sessions_sockets(member):
    _laptop, laptop_socket = await sign_in_with_socket(member, "Laptop/1.0")
    _phone, phone_socket = await sign_in_with_socket(member, "Phone/2.0")
    moderator = Client()
    await db(moderator.force_login)(await db(make_member)(site_moderator=True, mfa=True))
    public_id = await db(lambda: User.objects.get(pk=member.pk).profile.public_id)()
    page = reverse("moderation:member", kwargs={"public_id": public_id})

    started = time.monotonic()
    response = await db(moderator.post)(
        page,
        {
            "sanction-kind": "suspend",
            "sanction-reason": "Threats in direct messages",
            "sanction-duration": "",
            "sanction-group": "",
        },
    )
    assert response.status_code == 302
    assert not (await db(User.objects.get)(pk=member.pk)).is_active
    for socket in (laptop_socket, phone_socket):
        await closed_within_limit(socket, started)
        await socket.disconnect()


async def test_deactivation_by_staff_in_the_admin_closes_every_sessions_sockets(member):
    _laptop, laptop_socket = await sign_in_with_socket(member, "Laptop/1.0")
    _phone, phone_socket = await sign_in_with_socket(member, "Phone/2.0")
    staff = Client()
    await db(staff.force_login)(await db(make_member)(staff=True, mfa=True))
    page = reverse("admin:community_user_change", args=[member.pk])

    started = time.monotonic()
    # is_active left unticked; the other fields as they were.
    response = await db(staff.post)(page, {"_save": "Save"})
    assert response.status_code == 302
    assert not (await db(User.objects.get)(pk=member.pk)).is_active
    for socket in (laptop_socket, phone_socket):
        await closed_within_limit(socket, started)
        await socket.disconnect()


async def test_an_admin_edit_that_leaves_password_and_activity_alone_keeps_the_sockets(
    member, other_member, room
):
    _laptop, laptop_socket = await sign_in_with_socket(member, "Laptop/1.0")
    await join(laptop_socket, room.pk)
    staff = Client()
    await db(staff.force_login)(await db(make_member)(staff=True, mfa=True))
    page = reverse("admin:community_user_change", args=[member.pk])

    response = await db(staff.post)(page, {"is_active": "on", "_save": "Save"})
    assert response.status_code == 302

    await assert_still_open(laptop_socket, room=room, sender=other_member, body="all good")
    await laptop_socket.disconnect()


async def test_deleting_the_account_closes_every_sessions_sockets(member):
    laptop, laptop_socket = await sign_in_with_socket(member, "Laptop/1.0")
    _phone, phone_socket = await sign_in_with_socket(member, "Phone/2.0")

    started = time.monotonic()
    response = await db(laptop.post)(
        reverse("account_delete"),
        {"contributions": "keep", "password": PASSWORD, "confirm": "on"},
    )
    assert "Your account has been deleted" in response.content.decode()
    assert not await db(User.objects.filter(pk=member.pk).exists)()
    for socket in (laptop_socket, phone_socket):
        await closed_within_limit(socket, started)
        await socket.disconnect()
