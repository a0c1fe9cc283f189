from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Membership, User
from messaging.services.notifications import notify
from moderation import live
from moderation.flaggables import Flaggable
from moderation.models import AuditLogEntry, Flag, GroupModerationSettings, ReviewItem
from moderation.permissions import MODERATOR_ROLES
from moderation.policy import AUTO_HIDE_THRESHOLD_DEFAULT, REASON_SEVERITY, Reason
from moderation.services.audit import record_audit


@dataclass(frozen=True)
class FlagResult:
    flag: Flag
    item: ReviewItem
    created: bool  # False: this member had already flagged it (and it was still pending)


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


def has_reviewer(*, group_id: int | None) -> bool:
    """Someone can see this item in a queue: auto-hide never hides what nobody reviews."""
    if User.objects.filter(is_site_moderator=True, is_active=True).exists():
        return True
    if group_id is None:
        return False
    return Membership.objects.filter(
        group_id=group_id, state=Membership.State.ACTIVE, role__in=MODERATOR_ROLES
    ).exists()


def flag_content(
    *, flagger, flaggable: Flaggable, obj, reason: str, details: str = ""
) -> FlagResult:
    """Flags `obj` for review. One flag per member per item: flagging again while the flag is
    pending changes nothing; flagging an item that was already reviewed reopens its review."""
    if not flaggable.can_view(flagger, obj):
        raise Http404
    if reason not in REASON_SEVERITY:
        raise ValueError(f"unknown reason {reason!r}")
    author_id = flaggable.author_id(obj)
    # Group moderators read the audit log: an anonymous post's rows must not name its author.
    audit_user_id = None if flaggable.is_anonymous(obj) else author_id
    now = timezone.now()
    with transaction.atomic():
        item, item_created = ReviewItem.objects.select_for_update().get_or_create(
            content_kind=flaggable.kind,
            object_id=obj.pk,
            defaults={
                "group_id": flaggable.group_id(obj),
                "author_id": author_id,
                "snapshot": flaggable.snapshot(obj),
            },
        )
        flag = Flag.objects.filter(item=item, flagger=flagger).first()
        if flag is not None and flag.outcome == Flag.Outcome.PENDING:
            return FlagResult(flag=flag, item=item, created=False)
        reopening = item.status == ReviewItem.Status.RESOLVED
        if flag is None:
            try:
                with transaction.atomic():
                    flag = Flag.objects.create(
                        item=item, flagger=flagger, reason=reason, details=details
                    )
            except IntegrityError:  # the same member, twice at once
                flag = Flag.objects.get(item=item, flagger=flagger)
                return FlagResult(flag=flag, item=item, created=False)
        else:
            flag.reason, flag.details = reason, details
            flag.outcome, flag.resolved_at = Flag.Outcome.PENDING, None
            flag.save(update_fields=["reason", "details", "outcome", "resolved_at"])
        newly_urgent = reason == Reason.SELF_HARM and (reopening or not item.urgent)
        if reopening:
            item.status, item.decision, item.decided_at = ReviewItem.Status.OPEN, "", None
            item.opened_at = now
            item.snapshot = flaggable.snapshot(obj)
            item.urgent = False
        item.urgent = item.urgent or reason == Reason.SELF_HARM
        item.score = item_score(item=item)
        record_audit(
            actor=flagger,
            action=AuditLogEntry.Action.FLAG,
            target_kind=flaggable.kind,
            target_id=obj.pk,
            target_user_id=audit_user_id,
            group_id=item.group_id,
            reason=reason,
            snapshot=item.snapshot,
        )
        if (
            not item.auto_hidden
            and item.score >= auto_hide_threshold(group_id=item.group_id)
            and has_reviewer(group_id=item.group_id)
        ):
            flaggable.hide(obj)
            transaction.on_commit(lambda: flaggable.announce_change(obj))
            item.auto_hidden = True
            record_audit(
                actor=None,
                action=AuditLogEntry.Action.AUTO_HIDE,
                target_kind=flaggable.kind,
                target_id=obj.pk,
                target_user_id=audit_user_id,
                group_id=item.group_id,
                reason=_("Priority score %(score)s reached the threshold.") % {"score": item.score},
                snapshot=item.snapshot,
            )
        item.save(
            update_fields=[
                "status",
                "decision",
                "decided_at",
                "opened_at",
                "snapshot",
                "urgent",
                "score",
                "auto_hidden",
            ]
        )
        if newly_urgent and author_id is not None:
            notify(
                recipient_id=author_id,
                kind="crisis_resources",
                text=_(
                    "You are not alone. If things feel heavy right now, people are ready to "
                    "listen, any time of day. Only you can see this."
                ),
                url=reverse("moderation:crisis_resources"),
            )
        if item_created or reopening:
            alert_moderators_of_new_report(item=item, exclude_user_ids={author_id, flagger.pk})
        transaction.on_commit(
            lambda: live.announce_queue_change(
                item_id=item.pk, group_id=item.group_id, urgent=item.urgent
            )
        )
    return FlagResult(flag=flag, item=item, created=True)


def alert_moderators_of_new_report(*, item: ReviewItem, exclude_user_ids: set) -> None:
    """A live alert (the notification bell, pushed over each moderator's own socket) for every
    moderator who may review the item, wherever they are on the site: in a room, on a thread.
    Once per item (new or reopened), never per flag; it names no flagger, author or content."""
    recipients = set(
        User.objects.filter(is_site_moderator=True, is_active=True).values_list("pk", flat=True)
    )
    if item.group_id is not None:
        recipients |= set(
            Membership.objects.filter(
                group_id=item.group_id,
                state=Membership.State.ACTIVE,
                role__in=MODERATOR_ROLES,
                user__is_active=True,
            ).values_list("user_id", flat=True)
        )
    text = (
        _("An urgent report is waiting in the moderation queue.")
        if item.urgent
        else _("A new report is waiting in the moderation queue.")
    )
    for recipient_id in sorted(recipients - exclude_user_ids):
        notify(
            recipient_id=recipient_id,
            kind="moderation.new_report",
            text=text,
            url=reverse("moderation:item_detail", args=[item.pk]),
        )
