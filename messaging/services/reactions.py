"""Reactions on chat messages: the same small supportive set as posts', counts only.

A reaction is set or cleared (`on`), never toggled, so a client that does not know the
member's own reactions (a page of history loaded over the socket) cannot undo one by
accident. Each change stores the new counts on the message through `change_message`: it takes
the next stream position and reaches everyone joined as `message.updated`, through the one
viewer rule. The member's own reactions ("mine") go back to them alone."""

from django.db import transaction

from community.models import Reaction
from community.restrictions import hidden_author_ids
from messaging.errors import denied
from messaging.models import Message, MessageReaction
from messaging.permissions import get_conversation_access_or_404
from messaging.services.conversations import change_message

KINDS = frozenset(Reaction.Kind.values)


def set_reaction(*, message_id: int, user, kind, on: bool) -> tuple[Message, list[str]]:
    """Sets (`on`) or clears `user`'s reaction of `kind` on a message they can see. Returns the
    message and the kinds the member now has on it. Raises MessagingDenied."""
    if kind not in KINDS or not isinstance(on, bool):
        raise denied("invalid")
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        raise denied("not_found")
    access = get_conversation_access_or_404(user=user, conversation_id=message.conversation_id)
    viewer = access.viewer(hidden_author_ids=hidden_author_ids(viewer_id=user.pk))
    if (
        message.deleted_at
        or message.hidden_at
        or not viewer.allows(
            author_id=message.sender_id, created_timestamp=message.created_at.timestamp()
        )
    ):
        raise denied("not_found")
    if access.is_muted():
        raise denied("muted")
    if access.conversation.locked and not access.can_moderate:
        raise denied("locked")
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("sender__profile")
            .get(pk=message_id)
        )
        if on:
            _row, changed = MessageReaction.objects.get_or_create(
                message=message, user=user, kind=kind
            )
        else:
            changed = bool(
                MessageReaction.objects.filter(message=message, user=user, kind=kind).delete()[0]
            )
        if changed:
            change_message(message=message, fields={"reactions": reaction_counts(message)})
        mine = sorted(
            MessageReaction.objects.filter(message=message, user=user).values_list(
                "kind", flat=True
            )
        )
    return message, mine


def reaction_counts(message: Message) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in MessageReaction.objects.filter(message=message).values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return {kind: counts[kind] for kind in Reaction.Kind.values if kind in counts}


def has_reacted(*, message_id: int, user, kind: str) -> bool:
    return MessageReaction.objects.filter(message_id=message_id, user=user, kind=kind).exists()
