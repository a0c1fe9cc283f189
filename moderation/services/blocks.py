"""A member's own block and mute list. Never audited and never told to the target."""

from django.contrib.auth import get_user_model
from django.db import transaction

from messaging.errors import denied
from messaging.selectors.conversations import request_sender_id
from messaging.services.conversations import answer_message_request
from messaging.services.realtime import send_to_user
from moderation.models import Block


def _tell_owner_sockets(owner_id: int) -> None:
    # The owner's open chat sockets reload whom to hide; the target is never told anything.
    transaction.on_commit(lambda: send_to_user(user_id=owner_id, event={"type": "blocks.changed"}))


def block_member(*, owner, target, kind: str) -> Block:
    """Blocks or mutes `target`; choosing the other kind for the same person switches it."""
    if target.pk == owner.pk:
        raise ValueError("cannot block yourself")
    if kind not in Block.Kind.values:
        raise ValueError(f"unknown kind {kind!r}")
    with transaction.atomic():
        block, created = Block.objects.get_or_create(
            owner=owner, target=target, defaults={"kind": kind}
        )
        if not created and block.kind != kind:
            block.kind = kind
            block.save(update_fields=["kind"])
        _tell_owner_sockets(owner.pk)
    return block


def unblock_member(*, owner, block_id: int) -> bool:
    with transaction.atomic():
        deleted, _ = Block.objects.filter(owner=owner, pk=block_id).delete()
        if deleted:
            _tell_owner_sockets(owner.pk)
    return bool(deleted)


def decline_request_and_block(*, owner, conversation_id: int) -> Block:
    """Declines the message request waiting in this conversation and blocks its sender, in one
    transaction (messaging owns the request; the block is moderation's). The sender learns
    only that their message was not delivered. Raises MessagingDenied ("not_found") unless
    the owner has such a request."""
    with transaction.atomic():
        sender_id = request_sender_id(conversation_id=conversation_id, user=owner)
        if sender_id is None:
            raise denied("not_found")
        answer_message_request(conversation_id=conversation_id, user=owner, accept=False)
        sender = get_user_model().objects.get(pk=sender_id)
        return block_member(owner=owner, target=sender, kind=Block.Kind.BLOCK)
