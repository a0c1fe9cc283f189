from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from community.models import Post
from moderation.models import Appeal, AuditLogEntry, Flag, ReviewItem, Sanction
from moderation.permissions import can_see_flaggers, moderated_group_ids
from moderation.policy import MEMBER_HISTORY_WINDOW


def _in_scope(queryset: QuerySet, viewer, field: str = "group_id") -> QuerySet:
    group_ids = moderated_group_ids(viewer)
    if group_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": group_ids})


def review_queue(*, viewer, status: str = ReviewItem.Status.OPEN) -> QuerySet:
    """Items `viewer` may review, self-harm first, then by priority score. Group moderators
    see their groups' items; direct messages and profiles go to site moderators only."""
    items = (
        ReviewItem.objects.filter(status=status)
        .select_related("group", "author__profile")
        .annotate(pending_flags=Count("flags", filter=Q(flags__outcome=Flag.Outcome.PENDING)))
        .order_by("-urgent", "-score", "opened_at")
    )
    return _in_scope(items, viewer)


@dataclass(frozen=True)
class FlagView:
    """A flag as a moderator sees it: the flagger only for site moderators."""

    reason: str
    reason_label: str
    details: str
    outcome_label: str
    created_at: datetime
    flagger_pseudonym: str | None


def flags_for_moderator(*, viewer, item: ReviewItem) -> list[FlagView]:
    show_flagger = can_see_flaggers(viewer)
    flags = item.flags.order_by("-created_at")
    if show_flagger:
        flags = flags.select_related("flagger__profile")
    return [
        FlagView(
            reason=flag.reason,
            reason_label=flag.get_reason_display(),
            details=flag.details,
            outcome_label=flag.get_outcome_display(),
            created_at=flag.created_at,
            flagger_pseudonym=flag.flagger.profile.pseudonym if show_flagger else None,
        )
        for flag in flags
    ]


@dataclass(frozen=True)
class MemberHistory:
    sanctions: list
    upheld_flags: list  # items of theirs that moderators acted on
    flags_upheld_count: int


def member_history(*, viewer, user_id: int) -> MemberHistory:
    """The last 90 days, to guide the ladder (warn → mute → remove → ban). Group moderators
    see what happened in their groups; site moderators see everything."""
    since = timezone.now() - MEMBER_HISTORY_WINDOW
    sanctions = Sanction.objects.filter(user_id=user_id, created_at__gte=since).select_related(
        "group"
    )
    items = (
        ReviewItem.objects.filter(
            author_id=user_id,
            decided_at__gte=since,
            status=ReviewItem.Status.RESOLVED,
        )
        .exclude(decision=ReviewItem.Decision.KEEP)
        .select_related("group")
    )
    group_ids = moderated_group_ids(viewer)
    if group_ids is not None:
        # What they did anonymously stays out of a group moderator's view of the person.
        sanctions = sanctions.filter(group_id__in=group_ids).exclude(is_anonymous=True)
        items = items.filter(group_id__in=group_ids).exclude(
            content_kind="post",
            object_id__in=Post.objects.filter(is_anonymous=True, author_id=user_id).values("pk"),
        )
    items = list(items.order_by("-decided_at"))
    return MemberHistory(
        sanctions=list(sanctions.order_by("-created_at")),
        upheld_flags=items,
        flags_upheld_count=len(items),
    )


def audit_log(
    *, viewer, action: str = "", target_user_id: int | None = None, group_id: int | None = None
) -> QuerySet:
    """Group moderators read their groups' entries; site moderators read every entry.

    Read `shown_actor`, never `actor_pseudonym`: a flag's actor is the flagger, whom only
    site moderators may see (invariant 7)."""
    entries = _in_scope(AuditLogEntry.objects.all(), viewer)
    if can_see_flaggers(viewer):
        entries = entries.annotate(shown_actor=F("actor_pseudonym"))
    else:
        entries = entries.annotate(
            shown_actor=Case(
                When(action=AuditLogEntry.Action.FLAG, then=Value(gettext("a member"))),
                default=F("actor_pseudonym"),
                output_field=CharField(),
            )
        )
    if action:
        entries = entries.filter(action=action)
    if target_user_id is not None:
        entries = entries.filter(target_user_id=target_user_id)
    if group_id is not None:
        entries = entries.filter(group_id=group_id)
    return entries.order_by("-id")


def appeals_to_decide(*, viewer) -> QuerySet:
    appeals = (
        Appeal.objects.filter(status=Appeal.Status.PENDING)
        .select_related("sanction__group", "sanction__user__profile")
        .exclude(sanction__created_by_id=viewer.pk)
        .order_by("created_at")
    )
    group_ids = moderated_group_ids(viewer)
    if group_ids is not None:
        appeals = (
            appeals.filter(sanction__group_id__in=group_ids)
            .exclude(sanction__kind=Sanction.Kind.SUSPEND)
            .exclude(sanction__is_anonymous=True)
        )
    return appeals


def sanctions_of_member(*, user_id: int) -> QuerySet:
    """A member's own notices: what was decided and why, never by whom."""
    return (
        Sanction.objects.filter(user_id=user_id)
        .select_related("group", "appeal")
        .order_by("-created_at")
    )
