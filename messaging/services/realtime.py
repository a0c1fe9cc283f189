"""Telling open sockets about changes made outside a consumer (views, moderation, services).

Call these from `transaction.on_commit`, so nobody is told about a row that may roll back.
Every member's sockets listen on their personal channel-layer group `user.<id>`; the consumer
(messaging/consumers.py) decides what each event means for the socket that receives it.
"""

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

# The channel-layer message type every process's fan-out listener receives (messaging/fanout.py).
FANOUT_EVENT = "conversation.fanout"


def user_channel_group(user_id: int) -> str:
    return f"user.{user_id}"


def send_to_user(*, user_id: int, event: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(user_channel_group(user_id), event)


def end_group_membership_sockets(*, group_id: int, user_id: int) -> None:
    """The member left, was removed or banned: their sockets in that group's room close now."""
    from messaging.models import Conversation

    room_id = Conversation.objects.filter(group_id=group_id).values_list("pk", flat=True).first()
    if room_id is not None:
        # Through the room's own fan-out stream first: every message announced after this
        # point is queued behind it, so the removed member's sockets receive nothing more.
        _fanout(conversation_id=room_id, message={"drop_user_id": user_id})
    send_to_user(user_id=user_id, event={"type": "membership.ended", "group_id": group_id})


def end_conversation_sockets(*, conversation_id: int, user_id: int) -> None:
    """The member no longer takes part in a direct or support conversation (e.g. handover)."""
    _fanout(conversation_id=conversation_id, message={"drop_user_id": user_id})
    send_to_user(
        user_id=user_id,
        event={"type": "conversation.ended", "conversation_id": conversation_id},
    )


def broadcast_conversation_event(
    *,
    conversation_id: int,
    event: dict,
    author_id: int | None = None,
    message_id: int | None = None,
) -> None:
    """Sends `event` (a server frame, see docs/protocol.md) to every socket joined to the
    conversation, in every process. The frame is encoded to JSON here, once; each process
    hands that same text to its local sockets.

    `author_id` lets each socket skip messages from members its viewer blocked or muted;
    `message_id` (new messages only) lets a socket that is catching up skip what it already
    sent.

    Moderation calls this after it locks a room, sets slow mode, restricts links, hides a
    message or mutes a member, e.g. {"type": "room.updated", "room": {...}}.
    """
    text = json.dumps({**event, "conversation_id": conversation_id}, separators=(",", ":"))
    if event.get("type") != "message":
        # Only new messages may be skipped by a catching-up socket; updates always go out.
        message_id = None
    _fanout(
        conversation_id=conversation_id,
        message={"text": text, "author_id": author_id, "message_id": message_id},
    )


def _fanout(*, conversation_id: int, message: dict) -> None:
    from messaging.models import Conversation

    group = Conversation(pk=conversation_id).channel_group_name
    async_to_sync(get_channel_layer().group_send)(
        group, {"type": FANOUT_EVENT, "conversation_id": conversation_id, **message}
    )


def end_user_sockets(*, user_id: int) -> None:
    """Logout, password change, suspension, account deletion: every socket of theirs closes."""
    send_to_user(user_id=user_id, event={"type": "session.ended"})
