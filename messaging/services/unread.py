"""Telling a member's open pages that their unread counts changed (the `unread` frame,
docs/protocol.md): after a message reaches them in a direct or support conversation, after a
mention of them in a room, after their read marker moves. Call after commit."""

from messaging.models import ConversationParticipant
from messaging.selectors.unread import unread_state
from messaging.services.realtime import send_to_user


def announce_unread(*, conversation_id: int, user_ids) -> None:
    """Each member's count for the conversation and their total, to every socket of theirs
    (the user.<id> group), computed once here rather than by each socket."""
    for user_id in user_ids:
        send_to_user(
            user_id=user_id,
            event={
                "type": "unread.changed",
                **unread_state(user_id=user_id, conversation_id=conversation_id),
            },
        )


def announce_unread_to_others(*, conversation_id: int, sender_id: int | None) -> None:
    """A new message in a direct or support conversation: its other participants' counts
    changed (never the writer's: their own messages are never unread)."""
    recipients = (
        ConversationParticipant.objects.filter(
            conversation_id=conversation_id, state=ConversationParticipant.State.ACCEPTED
        )
        .exclude(user_id=sender_id)
        .values_list("user_id", flat=True)
    )
    announce_unread(conversation_id=conversation_id, user_ids=list(recipients))
