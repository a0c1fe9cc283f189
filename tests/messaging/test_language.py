"""Messaging speaks each member's language (issue 13): what a socket's frames say (an error, a
notice) and the text of a notification, in the language the member chose for their pages."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse

from messaging.models import Notification
from tests.community.groups_helpers import add_member, make_group, make_thread
from tests.factories import make_member
from tests.messaging.conftest import (
    ORIGIN,
    open_socket,
    receive,
    receive_until,
    session_cookie_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def _choose(user, language: str) -> None:
    user.profile.language = language
    user.profile.save(update_fields=["language"])


async def test_error_frames_are_in_the_members_chosen_language(member):
    await _choose(member, "es")
    socket = await open_socket(member)
    await socket.send_to(text_data='{"type": "dance"}')
    frame = await receive(socket)
    assert frame["code"] == "unknown_type"
    assert frame["message"] == "Tipo de trama desconocido."
    await socket.disconnect()


async def test_error_frames_stay_in_english_for_a_member_who_chose_it(member):
    await _choose(member, "en")
    socket = await open_socket(member)
    await socket.send_to(text_data='{"type": "dance"}')
    assert (await receive(socket))["message"] == "Unknown frame type."
    await socket.disconnect()


@pytest.mark.parametrize(
    ("author_language", "replier_language", "expected"),
    [
        ("es", "en", "Nueva respuesta en tu hilo «Lo que pasó»."),
        ("en", "es", "New reply in your thread “Lo que pasó”."),
        ("", "es", "Nueva respuesta en tu hilo «Lo que pasó»."),  # no choice: as it is written
    ],
)
def test_a_notification_is_written_in_its_recipients_language_not_the_actors(
    author_language, replier_language, expected
):
    """A notification is stored as text: the reply's author reads the site in one language,
    the thread's author may read it in another."""
    author, replier = make_member(), make_member()
    for user, language in ((author, author_language), (replier, replier_language)):
        user.profile.language = language
        user.profile.save(update_fields=["language"])
    group = make_group()
    add_member(group, author)
    add_member(group, replier)
    thread = make_thread(group, author, title="Lo que pasó")
    client = Client()
    client.force_login(replier)
    client.post(reverse("thread_detail", args=[group.slug, thread.pk]), {"body": "Aquí estoy."})
    assert Notification.objects.get(recipient=author, kind="thread_reply").text == expected


async def test_the_live_bell_tells_the_recipient_in_their_language(member):
    await _choose(member, "es")

    @database_sync_to_async
    def reply_in_english():
        replier = make_member()
        group = make_group()
        add_member(group, member)
        add_member(group, replier)
        thread = make_thread(group, member, title="Lo que pasó")
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(replier)
        client.post(reverse("thread_detail", args=[group.slug, thread.pk]), {"body": "Hi."})

    socket = await open_socket(member)
    await reply_in_english()
    frame = await receive_until(socket, "notification")
    assert frame["notification"]["text"] == "Actividad nueva"
    await socket.disconnect()


@pytest.mark.parametrize(
    ("extra_header", "expected"),
    [
        ((b"accept-language", b"es-ES,es;q=0.9"), "Tipo de trama desconocido."),
        ((b"cookie", b"django_language=es"), "Tipo de trama desconocido."),
        ((b"accept-language", b"fr"), "Unknown frame type."),
    ],
)
async def test_a_socket_without_a_members_choice_speaks_the_browsers_language(
    member, extra_header, expected
):
    from config.asgi import application  # after Django's setup, as open_socket does

    cookie = await database_sync_to_async(session_cookie_for)(member)
    headers = [
        (b"host", b"localhost"),
        (b"origin", ORIGIN.encode()),
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
    ]
    if extra_header[0] == b"cookie":
        headers[2] = (b"cookie", headers[2][1] + b"; " + extra_header[1])
    else:
        headers.append(extra_header)
    socket = WebsocketCommunicator(application, "/ws/chat/", headers=headers)
    connected, _code = await socket.connect()
    assert connected
    assert (await receive(socket))["type"] == "hello"
    await socket.send_to(text_data='{"type": "dance"}')
    assert (await receive(socket))["message"] == expected
    await socket.disconnect()
