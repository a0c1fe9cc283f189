from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from community.models import Group, Post, Profile
from moderation.models import Appeal, AuditLogEntry, Flag, ReviewItem, Sanction
from moderation.permissions import (
    appeals_decidable_by,
    can_see_flaggers,
    can_see_sanctioned_member,
    items_reviewable_by,
    moderated_group_ids,
    sanction_scope_group,
)
from moderation.policy import MEMBER_HISTORY_WINDOW


def _in_scope(queryset: QuerySet, viewer, field: str = "group_id") -> QuerySet:
    group_ids = moderated_group_ids(viewer)
    if group_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": group_ids})


def review_queue(*, viewer, status: str = ReviewItem.Status.OPEN) -> QuerySet:
    """Items `viewer` may review (the reviewer rule), self-harm first, then by priority score.
    Group moderators see their groups' items; direct messages and profiles go to site
    moderators only; what nobody of them may review, to staff."""
    items = (
        ReviewItem.objects.filter(status=status)
        .select_related("group", "author__profile")
        .annotate(pending_flags=Count("flags", filter=Q(flags__outcome=Flag.Outcome.PENDING)))
        .order_by("-urgent", "-score", "opened_at")
    )
    return items_reviewable_by(viewer=viewer, items=items)


def moderated_groups(*, viewer) -> list:
    """The groups a group moderator moderates (none listed for site moderators and staff:
    they reach a group's settings from an item or a member)."""
    group_ids = moderated_group_ids(viewer)
    return list(Group.objects.filter(pk__in=group_ids).order_by("name")) if group_ids else []


def sanction_groups(*, viewer, target_user_id: int) -> list:
    """Groups where `viewer` may sanction the target: they moderate it, the target is in it."""
    groups = Group.objects.filter(memberships__user_id=target_user_id).order_by("name")
    scope = moderated_group_ids(viewer)
    if scope is not None:
        groups = groups.filter(pk__in=scope)
    return list(groups.distinct())


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
        sanctions = sanctions.alias(scope_group_id=sanction_scope_group()).filter(
            scope_group_id__in=group_ids
        )
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


def audit_log(*, viewer, action: str = "", member_pseudonym: str = "") -> QuerySet:
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
    if member_pseudonym.strip():
        member_ids = Profile.objects.filter(pseudonym__iexact=member_pseudonym.strip()).values(
            "user_id"
        )
        entries = entries.filter(target_user_id__in=member_ids)
    return entries.order_by("-id")


def appeals_to_decide(*, viewer) -> list[Appeal]:
    """Pending appeals `viewer` may decide (the reviewer rule), oldest first; each with
    `appellant_pseudonym`, None where the viewer may not learn who it is."""
    appeals = (
        Appeal.objects.filter(status=Appeal.Status.PENDING)
        .select_related("sanction__group", "sanction__user__profile")
        .order_by("created_at")
    )
    appeals = list(appeals_decidable_by(viewer=viewer, appeals=appeals))
    for appeal in appeals:
        sanction = appeal.sanction
        appeal.appellant_pseudonym = (
            sanction.user.profile.pseudonym if can_see_sanctioned_member(viewer, sanction) else None
        )
    return appeals


def sanctions_of_member(*, user_id: int) -> QuerySet:
    """A member's own notices: what was decided and why, never by whom."""
    return (
        Sanction.objects.filter(user_id=user_id)
        .select_related("group", "appeal")
        .order_by("-created_at")
    )
