"""A member's own block and mute list. Never audited and never told to the target."""

from django.db import transaction

from moderation.models import Block


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
    return block


def unblock_member(*, owner, block_id: int) -> bool:
    deleted, _ = Block.objects.filter(owner=owner, pk=block_id).delete()
    return bool(deleted)
