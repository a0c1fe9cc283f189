"""Writes for conversations and messages.

Every write happens in `transaction.atomic()` and is announced with `transaction.on_commit`,
so a socket never hears of a row that may roll back; the acknowledgement a sender gets carries
the committed id.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.errors import denied
from messaging.models import Conversation, ConversationParticipant, Message, PresenceSocket
from messaging.permissions import (
    ConversationAccess,
    check_change_message,
    check_may_start_direct,
    check_post_message,
    get_conversation_access_or_404,
)
from messaging.selectors.conversations import direct_key_for, member_presence, serialize_message
from messaging.services import realtime

MAX_MESSAGE_LENGTH = 4000
MAX_CLIENT_ID_LENGTH = 64
EDIT_WINDOW = timedelta(minutes=15)
# Per member, across all conversations: (messages, seconds).
RATE_LIMIT = getattr(settings, "KINDRED_CHAT_RATE_LIMIT", (20, 10))


def get_or_create_group_room(*, group) -> Conversation:
    conversation, _created = Conversation.objects.get_or_create(
        group=group, defaults={"kind": Conversation.Kind.ROOM}
    )
    return conversation


def create_support_conversation(*, member_id: int, advocate_id: int) -> Conversation:
    with transaction.atomic():
        conversation = Conversation.objects.create(kind=Conversation.Kind.SUPPORT)
        ConversationParticipant.objects.bulk_create(
            [
                ConversationParticipant(conversation=conversation, user_id=user_id)
                for user_id in (member_id, advocate_id)
            ]
        )
    return conversation


def set_support_advocate(*, conversation: Conversation, advocate_id: int) -> None:
    """Handover: every other advocate leaves (their open sockets on it close) and the new one
    joins. The member who asked for support is the participant who is not an advocate being
    replaced, so callers pass the conversation and the new advocate only."""
    with transaction.atomic():
        parts = list(
            ConversationParticipant.objects.select_for_update()
            .filter(conversation=conversation, state=ConversationParticipant.State.ACCEPTED)
            .order_by("pk")
        )
        # The member is the first participant, created first by create_support_conversation.
        leaving = [part for part in parts[1:] if part.user_id != advocate_id]
        for part in leaving:
            part.state = ConversationParticipant.State.LEFT
            part.save(update_fields=["state"])
        ConversationParticipant.objects.update_or_create(
            conversation=conversation,
            user_id=advocate_id,
            defaults={"state": ConversationParticipant.State.ACCEPTED},
        )
        for part in leaving:
            transaction.on_commit(
                lambda user_id=part.user_id: realtime.end_conversation_sockets(
                    conversation_id=conversation.pk, user_id=user_id
                )
            )


def _check_rate_limit(*, user_id: int) -> None:
    from django.core.cache import cache

    limit, seconds = RATE_LIMIT
    window = int(time.time() // seconds)
    key = f"chat-rate:{user_id}:{window}"
    cache.add(key, 0, timeout=seconds * 2)
    try:
        count = cache.incr(key)
    except ValueError:
        # Evicted or flushed between add and incr: start the window again.
        cache.set(key, 1, timeout=seconds * 2)
        count = 1
    if count > limit:
        raise denied("rate_limited", retry_after=seconds - time.time() % seconds)


def _check_slow_mode(*, access: ConversationAccess) -> None:
    from django.core.cache import cache

    seconds = access.conversation.slow_mode_seconds
    if not seconds or access.can_moderate:
        return
    key = f"chat-slow:{access.conversation.pk}:{access.user_id}"
    if not cache.add(key, 1, timeout=seconds):
        raise denied("slow_mode", retry_after=seconds)


def _clean_body(body) -> str:
    if not isinstance(body, str):
        raise denied("empty")
    body = body.strip()
    if not body:
        raise denied("empty")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise denied("too_long")
    return body


def post_message(*, conversation: Conversation, sender, body: str, client_id: str) -> Message:
    """Stores a message once per (conversation, sender, client_id) and announces it after
    commit. Resending with the same client_id returns the stored message and announces nothing.
    Raises Http404 or MessagingDenied (with a code) when the sender may not post."""
    access = get_conversation_access_or_404(user=sender, conversation_id=conversation.pk)
    if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID_LENGTH:
        raise denied("invalid")
    existing = _existing(conversation_id=conversation.pk, sender_id=sender.pk, client_id=client_id)
    if existing is not None:
        return existing
    body = _clean_body(body)
    check_post_message(access=access, body=body)
    _check_rate_limit(user_id=sender.pk)
    _check_slow_mode(access=access)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                conversation_id=conversation.pk, sender=sender, body=body, client_id=client_id
            )
            message.sender = sender
            frame = {"type": "message", "message": serialize_message(message, alias=access.alias)}
            transaction.on_commit(
                lambda: realtime.broadcast_conversation_event(
                    conversation_id=conversation.pk,
                    event=frame,
                    author_id=sender.pk,
                    message_id=message.pk,
                )
            )
    except IntegrityError:
        # The same client_id arrived twice at once; the first one won.
        existing = _existing(
            conversation_id=conversation.pk, sender_id=sender.pk, client_id=client_id
        )
        if existing is None:
            raise
        return existing
    return message


def _existing(*, conversation_id: int, sender_id: int, client_id: str) -> Message | None:
    return Message.objects.filter(
        conversation_id=conversation_id, sender_id=sender_id, client_id=client_id
    ).first()


def _change_message(*, message_id: int, actor, change) -> Message:
    message = Message.objects.select_related("sender__profile").filter(pk=message_id).first()
    if message is None:
        raise denied("not_found")
    access = get_conversation_access_or_404(user=actor, conversation_id=message.conversation_id)
    check_change_message(access=access, message=message, window=EDIT_WINDOW)
    with transaction.atomic():
        change(message)
        announce_message_changed(message=message)
    return message


def edit_message(*, message_id: int, editor, body: str) -> Message:
    body = _clean_body(body)

    def change(message):
        message.body = body
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])

    return _change_message(message_id=message_id, actor=editor, change=change)


def delete_message(*, message_id: int, actor) -> Message:
    """Leaves a tombstone: the row keeps its id and place, the body is gone for good."""

    def change(message):
        message.body = ""
        message.deleted_at = timezone.now()
        message.save(update_fields=["body", "deleted_at"])

    return _change_message(message_id=message_id, actor=actor, change=change)


def announce_message_changed(*, message: Message) -> None:
    """After an edit, a deletion or a moderation hide: every client in the conversation
    replaces the message (a tombstone when deleted or hidden). Call inside the transaction."""
    frame = {"type": "message.updated", "message": serialize_message(message)}
    transaction.on_commit(
        lambda: realtime.broadcast_conversation_event(
            conversation_id=message.conversation_id, event=frame
        )
    )


def start_direct_conversation(*, sender, recipient, body: str, client_id: str) -> Message:
    """The first message to someone: a message request the recipient accepts or declines.
    If a thread between the two already exists, the message simply goes into it."""
    from messaging.services.notifications import notify

    with transaction.atomic():
        key = direct_key_for(sender.pk, recipient.pk)
        conversation = Conversation.objects.filter(direct_key=key).first()
        if conversation is None:
            check_may_start_direct(sender=sender, recipient=recipient)
            _clean_body(body)
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key
            )
            ConversationParticipant.objects.bulk_create(
                [
                    ConversationParticipant(conversation=conversation, user=sender),
                    ConversationParticipant(
                        conversation=conversation,
                        user=recipient,
                        state=ConversationParticipant.State.REQUESTED,
                    ),
                ]
            )
            from django.urls import reverse

            notify(
                recipient_id=recipient.pk,
                kind="message_request",
                text=_("You have a new message request."),
                url=reverse("messaging:requests"),
            )
        return post_message(
            conversation=conversation, sender=sender, body=body, client_id=client_id
        )


def answer_message_request(*, conversation_id: int, user, accept: bool) -> ConversationParticipant:
    with transaction.atomic():
        participant = (
            ConversationParticipant.objects.select_for_update()
            .filter(
                conversation_id=conversation_id,
                user=user,
                state=ConversationParticipant.State.REQUESTED,
            )
            .first()
        )
        if participant is None:
            raise denied("not_found")
        participant.state = (
            ConversationParticipant.State.ACCEPTED
            if accept
            else ConversationParticipant.State.DECLINED
        )
        participant.save(update_fields=["state"])
    return participant


def mark_conversation_read(*, conversation_id: int, user, message_id: int) -> None:
    get_conversation_access_or_404(user=user, conversation_id=conversation_id)
    ConversationParticipant.objects.get_or_create(
        conversation_id=conversation_id,
        user=user,
        defaults={"state": ConversationParticipant.State.ACCEPTED},
    )
    last_id = (
        Message.objects.filter(conversation_id=conversation_id, pk__lte=message_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    ) or 0
    ConversationParticipant.objects.filter(
        conversation_id=conversation_id, user=user, last_read_message_id__lt=last_id
    ).update(last_read_message_id=last_id)


def enter_room(*, access: ConversationAccess, user, socket_id: str) -> None:
    """Puts the socket on the room's attendee list, unless the member appears offline."""
    if access.conversation.kind != Conversation.Kind.ROOM or user.profile.appear_offline:
        return
    conversation_id = access.conversation.pk
    with transaction.atomic():
        PresenceSocket.objects.get_or_create(
            socket_id=socket_id,
            defaults={"conversation_id": conversation_id, "user_id": user.pk},
        )
        transaction.on_commit(
            lambda: _announce_presence(conversation_id=conversation_id, user_id=user.pk)
        )


def leave_room(*, conversation_id: int, socket_id: str) -> None:
    with transaction.atomic():
        row = PresenceSocket.objects.filter(socket_id=socket_id).first()
        if row is None:
            return
        row.delete()
        transaction.on_commit(
            lambda: _announce_presence(conversation_id=conversation_id, user_id=row.user_id)
        )


def _announce_presence(*, conversation_id: int, user_id: int) -> None:
    """One small frame per change, not the whole list: whether this member is in the room now
    (any of their sockets), decided after commit so racing tabs converge."""
    member = member_presence(conversation_id=conversation_id, user_id=user_id)
    realtime.broadcast_conversation_event(
        conversation_id=conversation_id,
        event={
            "type": "presence.changed",
            "member": member["member"],
            "present": member["present"],
        },
    )
