from datetime import datetime

from django.db.models import Max, Q
from django.utils import timezone

from moderation.models import Sanction
from moderation.policy import APPEAL_WINDOW


def active_sanctions(*, user_id: int):
    now = timezone.now()
    return Sanction.objects.filter(user_id=user_id, lifted_at__isnull=True).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def active_mute_until(*, user_id: int, group_id: int) -> datetime | None:
    """When `user_id`'s mute in `group_id` ends, or None if they are not muted there.

    The live-room consumer calls this before accepting each message: one indexed query.
    Mutes always carry an end time (moderation.actions.sanction enforces it).
    """
    return (
        active_sanctions(user_id=user_id)
        .filter(group_id=group_id, kind=Sanction.Kind.MUTE)
        .aggregate(until=Max("ends_at"))["until"]
    )


def appeal_deadline(sanction: Sanction) -> datetime:
    """The last moment the sanctioned member may appeal."""
    return sanction.created_at + APPEAL_WINDOW
