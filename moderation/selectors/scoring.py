"""How much a review item weighs (decision 0050): the priority score and the auto-hide
threshold it is compared with."""

from django.db.models import Count, Q

from moderation.models import Flag, GroupModerationSettings, ReviewItem
from moderation.policy import AUTO_HIDE_THRESHOLD_DEFAULT, REASON_SEVERITY


def _reliabilities(flagger_ids) -> dict[int, float]:
    """Each flagger's weight: their upheld ratio, smoothed so that a new flagger counts 1.0
    (neutral), one always upheld approaches 2.0, never upheld 0.0. One query for them all."""
    counts = {
        row["flagger_id"]: (row["upheld"], row["decided"])
        for row in Flag.objects.filter(flagger_id__in=flagger_ids)
        .order_by()
        .values("flagger_id")
        .annotate(
            upheld=Count("pk", filter=Q(outcome=Flag.Outcome.UPHELD)),
            decided=Count("pk", filter=~Q(outcome=Flag.Outcome.PENDING)),
        )
    }
    weights = {}
    for flagger_id in flagger_ids:
        upheld, decided = counts.get(flagger_id, (0, 0))
        weights[flagger_id] = 2.0 * (upheld + 1) / (decided + 2)
    return weights


def flagger_reliability(*, flagger_id: int) -> float:
    """How much this member's flags weigh (see `_reliabilities`)."""
    return _reliabilities([flagger_id])[flagger_id]


def item_score(*, item: ReviewItem) -> float:
    """Σ over the item's pending flags of reason severity × flagger reliability."""
    pending = list(
        item.flags.filter(outcome=Flag.Outcome.PENDING).values_list("flagger_id", "reason")
    )
    weights = _reliabilities({flagger_id for flagger_id, _reason in pending})
    return round(
        sum(REASON_SEVERITY[reason] * weights[flagger_id] for flagger_id, reason in pending), 3
    )


def auto_hide_threshold(*, group_id: int | None) -> float:
    if group_id is None:
        return AUTO_HIDE_THRESHOLD_DEFAULT
    threshold = (
        GroupModerationSettings.objects.filter(group_id=group_id)
        .values_list("auto_hide_threshold", flat=True)
        .first()
    )
    return threshold if threshold is not None else AUTO_HIDE_THRESHOLD_DEFAULT
