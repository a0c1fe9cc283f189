"""Telling open sockets about changes made outside a consumer (views, moderation, services).

Call these from `transaction.on_commit`, so nobody is told about a row that may roll back.
Every member's sockets listen on their personal channel-layer group `user.<id>`; the consumer
(messaging/consumers.py) decides what each event means for the socket that receives it.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def user_channel_group(user_id: int) -> str:
    return f"user.{user_id}"


def send_to_user(*, user_id: int, event: dict) -> None:
    async_to_sync(get_channel_layer().group_send)(user_channel_group(user_id), event)


def end_group_membership_sockets(*, group_id: int, user_id: int) -> None:
    """The member left, was removed or banned: their sockets in that group's room close now."""
    send_to_user(user_id=user_id, event={"type": "membership.ended", "group_id": group_id})


def end_user_sockets(*, user_id: int) -> None:
    """Logout, password change, suspension, account deletion: every socket of theirs closes."""
    send_to_user(user_id=user_id, event={"type": "session.ended"})
