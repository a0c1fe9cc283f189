"""Unread counts (docs/decisions/0013-unread-counts.md). A conversation's unread count is the
inbox's: messages after the member's read marker that others wrote and that are neither
deleted nor hidden. The navigation's total is the unread messages of the member's direct and
support conversations plus the unread mentions of them in rooms: room traffic alone does not
light it."""

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from community.models import Membership
from messaging.models import Conversation, ConversationParticipant, Mention, Message

# The kinds whose every unread message counts in the navigation's total.
COUNTED_KINDS = (Conversation.Kind.DIRECT, Conversation.Kind.SUPPORT)


def unread_message_filter(*, user_id: int, prefix: str = "") -> Q:
    """The one rule for what counts as unread, as a filter on messages (reached through
    `prefix`, e.g. "conversation__messages__"), next to a participant's `last_read_seq`."""
    return (
        Q(**{f"{prefix}seq__gt": F("last_read_seq")})
        & ~Q(**{f"{prefix}sender_id": user_id})
        & Q(**{f"{prefix}deleted_at__isnull": True})
        & Q(**{f"{prefix}hidden_at__isnull": True})
    )


def unread_in_conversation(*, user_id: int, conversation_id: int) -> int:
    """The conversation's unread count for the member, as the inbox shows it (0 for a room
    they never opened: they have no read marker there yet). One query."""
    return (
        ConversationParticipant.objects.filter(
            user_id=user_id,
            conversation_id=conversation_id,
            state=ConversationParticipant.State.ACCEPTED,
        )
        .filter(unread_message_filter(user_id=user_id, prefix="conversation__messages__"))
        .count()
    )


def unread_mention_count(*, user_id: int) -> int:
    """Mentions of the member in rooms of groups they are still in, after their read marker
    there (every mention counts in a room they never opened), on messages still shown."""
    read_up_to = ConversationParticipant.objects.filter(
        conversation_id=OuterRef("conversation_id"), user_id=user_id
    ).values("last_read_seq")[:1]
    return (
        Mention.objects.filter(
            user_id=user_id,
            active=True,
            message__deleted_at__isnull=True,
            message__hidden_at__isnull=True,
            conversation__group__memberships__user_id=user_id,
            conversation__group__memberships__state=Membership.State.ACTIVE,
        )
        .annotate(read_up_to=Coalesce(Subquery(read_up_to), 0))
        .filter(message__seq__gt=F("read_up_to"))
        .count()
    )


def unread_messages_total(*, user_id: int) -> int:
    """The navigation's Messages count, in two queries whatever the number of conversations."""
    direct = Message.objects.filter(
        conversation__kind__in=COUNTED_KINDS,
        conversation__participants__user_id=user_id,
        conversation__participants__state=ConversationParticipant.State.ACCEPTED,
        seq__gt=F("conversation__participants__last_read_seq"),
        deleted_at__isnull=True,
        hidden_at__isnull=True,
    ).exclude(sender_id=user_id)
    return direct.count() + unread_mention_count(user_id=user_id)


def unread_state(*, user_id: int, conversation_id: int) -> dict:
    """What an `unread` frame carries for one member: the conversation's count and the
    total. Three queries."""
    return {
        "conversation_id": conversation_id,
        "unread": unread_in_conversation(user_id=user_id, conversation_id=conversation_id),
        "total": unread_messages_total(user_id=user_id),
    }


def room_unread_counts(*, user_id: int, conversation_ids: list[int]) -> dict[int, tuple]:
    """For the inbox's live room counts: room id → (its stream position, the member's unread
    count there, or None where they have no read marker yet and the inbox shows none). One
    statement, so each count is exactly the count at that position."""
    read_up_to = ConversationParticipant.objects.filter(
        conversation_id=OuterRef("pk"),
        user_id=user_id,
        state=ConversationParticipant.State.ACCEPTED,
    ).values("last_read_seq")[:1]
    rows = (
        Conversation.objects.filter(pk__in=conversation_ids, kind=Conversation.Kind.ROOM)
        .annotate(read_up_to=Subquery(read_up_to))
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__seq__gt=F("read_up_to"))
                & ~Q(messages__sender_id=user_id)
                & Q(messages__deleted_at__isnull=True, messages__hidden_at__isnull=True),
            )
        )
        .values_list("pk", "last_seq", "read_up_to", "unread")
    )
    return {
        pk: (position, None if read_up_to is None else unread)
        for pk, position, read_up_to, unread in rows
    }
