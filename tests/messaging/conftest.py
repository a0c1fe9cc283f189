"""Shared helpers for messaging tests: real rows, real sockets through config.asgi.application."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from community.models import Group, Membership
from messaging.live_store import live_store
from messaging.models import Conversation, ConversationParticipant
from messaging.permissions import get_conversation_access_or_404
from messaging.selectors.conversations import direct_key_for
from messaging.services.conversations import get_or_create_group_room, post_message
from tests.community.groups_helpers import add_member

ORIGIN = "http://localhost"


def session_cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def open_socket(
    user=None,
    *,
    origin: str | None = ORIGIN,
    path: str = "/ws/chat/",
    expect_connected: bool = True,
) -> WebsocketCommunicator:
    """An authenticated WebSocket for `user` (session cookie + Origin header) against the real
    ASGI application. With expect_connected, the welcome frame is read and checked. Always
    `await communicator.disconnect()` at the end."""
    from config.asgi import application

    headers = [(b"host", b"localhost")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if user is not None:
        cookie = await database_sync_to_async(session_cookie_for)(user)
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _code = await communicator.connect()
    if expect_connected:
        assert connected, "the socket was refused"
        hello = await receive(communicator)
        assert hello["type"] == "hello"
    communicator.connected = connected
    return communicator


async def receive(communicator, wait: float = 3) -> dict:
    return json.loads(await communicator.receive_from(timeout=wait))


async def receive_until(communicator, frame_type: str, wait: float = 3) -> dict:
    """Reads frames until one of `frame_type` arrives (presence and the like may come first)."""
    while True:
        frame = await receive(communicator, wait)
        if frame["type"] == frame_type:
            return frame


async def frames_until(communicator, frame_type: str, wait: float = 3) -> list[dict]:
    """Every frame read up to and including the first one of `frame_type`. For "nothing else
    arrives" checks: make something arrive after what must not, then look at all that came
    before it, so a late frame cannot slip past a timeout."""
    frames = []
    while True:
        frames.append(await receive(communicator, wait))
        if frames[-1]["type"] == frame_type:
            return frames


async def output_after_ending(communicator) -> list[dict]:
    """Ends the socket's application (a client disconnect) and returns whatever it had sent
    and nobody read. Once the application has returned nothing can be added: the list is
    final, whatever the timing."""
    await communicator.disconnect()
    left = []
    while not communicator.output_queue.empty():
        left.append(communicator.output_queue.get_nowait())
    return left


async def drain(communicator, quiet: float = 0.2) -> list[dict]:
    """Reads whatever is in flight (presence updates and the like) until the socket is quiet.
    For setting a test up only: it proves nothing about what arrives later."""
    frames = []
    # receive_nothing never cancels the application (a timed-out receive_from would).
    while not await communicator.receive_nothing(timeout=quiet):
        frames.append(await receive(communicator))
    return frames


async def send(communicator, frame: dict) -> None:
    await communicator.send_to(text_data=json.dumps(frame))


def send_frame(conversation, client_id: str, body: str, **extra) -> dict:
    """A `send` frame for `conversation` (docs/protocol.md), with any extra fields."""
    return {
        "type": "send",
        "conversation_id": conversation.pk,
        "client_id": client_id,
        "body": body,
        **extra,
    }


async def join(communicator, conversation_id: int, after_seq: int | None = None) -> list[dict]:
    """Joins and returns the messages the server sent for the join (the latest page, or every
    resumed page), checking that the pages end at a stream position."""
    frame = {"type": "join", "conversation_id": conversation_id}
    if after_seq is not None:
        frame["after_seq"] = after_seq
    await send(communicator, frame)
    joined = await receive_until(communicator, "joined")
    assert joined["conversation_id"] == conversation_id
    messages = []
    while True:
        page = await receive_until(communicator, "messages")
        assert page["mode"] == ("latest" if after_seq is None else "resume")
        assert isinstance(page["through_seq"], int)
        messages.extend(page["messages"])
        if page["mode"] == "latest" or not page["has_more"]:
            communicator.through_seq = page["through_seq"]
            return messages


def post_as(conversation, sender, body: str, client_id: str | None = None):
    """Posts through the real service with the sender's real access, as a socket or the page
    would. Rate limits are for people, not for test setup: their counters are reset first."""
    live_store().clear()
    access = get_conversation_access_or_404(user=sender, conversation_id=conversation.pk)
    return post_message(access=access, sender=sender, body=body, client_id=client_id or body)


def make_direct_between(first, second) -> Conversation:
    """An accepted direct conversation between two members, without a request first."""
    conversation = Conversation.objects.create(
        kind=Conversation.Kind.DIRECT, direct_key=direct_key_for(first.pk, second.pk)
    )
    for user in (first, second):
        ConversationParticipant.objects.create(conversation=conversation, user=user)
    return conversation


def make_group(*, name: str = "Testers", members=(), moderators=(), **fields) -> Group:
    group = Group.objects.create(name=name, **fields)
    for user in members:
        add_member(group=group, user=user)
    for user in moderators:
        add_member(group=group, user=user, role=Membership.Role.MODERATOR)
    return group


@pytest.fixture
def room_with_two_members(transactional_db, member, other_member):
    group = make_group(members=[member, other_member])
    return get_or_create_group_room(group=group)
