"""Channel-layer plumbing for moderation: the live queue and room host-control events.

Call from `transaction.on_commit` only. Group names are built here from ids, never from input.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from messaging.services import realtime

SITE_QUEUE_GROUP = "moderation.site"


def group_queue_channel(group_id: int) -> str:
    return f"moderation.group.{group_id}"


def announce_queue_change(*, item_id: int, group_id: int | None, urgent: bool) -> None:
    """Tells online moderators who may see the item that the queue changed.

    The frame carries the item id only: the page fetches the queue through the permission
    checked view, so a frame never holds a flagger, a pseudonym or content.
    """
    layer = get_channel_layer()
    event = {"type": "queue.changed", "item_id": item_id, "urgent": urgent}
    async_to_sync(layer.group_send)(SITE_QUEUE_GROUP, event)
    if group_id is not None:
        async_to_sync(layer.group_send)(group_queue_channel(group_id), event)


def broadcast_room_event(*, conversation, message: str = "") -> None:
    """Room host controls: every socket in the room enforces the new settings at once."""
    realtime.broadcast_room_settings(
        conversation_id=conversation.pk,
        room={
            "locked": conversation.locked,
            "slow_mode_seconds": conversation.slow_mode_seconds,
            "links_restricted": conversation.links_restricted,
        },
        message=message,
    )
