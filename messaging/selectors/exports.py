"""A member's own messaging data, for the export of everything of theirs (data rights)."""

from messaging.models import Message, Notification


def _iso(value):
    return value.isoformat() if value else None


def messages_written_by(*, user_id: int) -> list[dict]:
    # Only what this member wrote: the other people's messages are theirs.
    return [
        {
            "id": message.pk,
            "conversation": message.conversation_id,
            "conversation_kind": message.conversation.kind,
            "body": message.body,
            "content_warning": message.content_warning,
            "created_at": _iso(message.created_at),
            "edited_at": _iso(message.edited_at),
            "deleted_at": _iso(message.deleted_at),
        }
        for message in Message.objects.filter(sender_id=user_id)
        .select_related("conversation")
        .order_by("id")
    ]


def notifications_of(*, recipient_id: int) -> list[dict]:
    return [
        {
            "kind": notification.kind,
            "text": notification.text,
            "created_at": _iso(notification.created_at),
            "read_at": _iso(notification.read_at),
        }
        for notification in Notification.objects.filter(recipient_id=recipient_id).order_by("id")
    ]
