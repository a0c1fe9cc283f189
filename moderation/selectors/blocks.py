from moderation.models import Block


def hidden_author_ids(*, viewer_id: int) -> set[int]:
    """Members whose content `viewer_id` must not see: those they blocked or muted."""
    return set(Block.objects.filter(owner_id=viewer_id).values_list("target_id", flat=True))


def has_blocked(*, owner_id: int, target_id: int) -> bool:
    """True when `owner_id` blocked (not merely muted) `target_id`."""
    return Block.objects.filter(
        owner_id=owner_id, target_id=target_id, kind=Block.Kind.BLOCK
    ).exists()
