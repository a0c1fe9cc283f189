"""A member's own block and mute list. Never audited and never told to the target."""

from django.db import transaction

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
