from django.db.models import Q, QuerySet

from community.models import Profile
from moderation.models import Block


def hidden_author_ids(*, viewer_id: int) -> set[int]:
    """Members whose content `viewer_id` must not see: those they blocked or muted."""
    return set(Block.objects.filter(owner_id=viewer_id).values_list("target_id", flat=True))


def kept_apart_ids(*, user_id: int) -> set[int]:
    """Members `user_id` blocked or muted, and members who blocked or muted `user_id`, in one
    query."""
    rows = Block.objects.filter(Q(owner_id=user_id) | Q(target_id=user_id)).values_list(
        "owner_id", "target_id"
    )
    return {owner if target == user_id else target for owner, target in rows}


def has_blocked(*, owner_id: int, target_id: int) -> bool:
    """True when `owner_id` blocked (not merely muted) `target_id`."""
    return Block.objects.filter(
        owner_id=owner_id, target_id=target_id, kind=Block.Kind.BLOCK
    ).exists()


def blocks_made_by(*, owner_id: int) -> QuerySet:
    """The member's own list, newest first, for their settings page."""
    return (
        Block.objects.filter(owner_id=owner_id)
        .select_related("target__profile")
        .order_by("-created_at")
    )


def other_member_by_pseudonym(*, pseudonym: str, viewer_id: int) -> Profile | None:
    """The profile a member means to block or mute, if it is someone else's."""
    profile = Profile.objects.select_related("user").filter(pseudonym__iexact=pseudonym).first()
    return profile if profile is not None and profile.user_id != viewer_id else None
