"""Flag: a member reports content for review (decision 0050)."""

from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.services.notifications import notify
from moderation import live
from moderation.actions.audit import ActionResult, content_target, record_audit
from moderation.actions.auto_hide import auto_hide_item
from moderation.flaggables import Flaggable
from moderation.models import AuditLogEntry, Flag, ReviewItem
from moderation.permissions import item_reviewers
from moderation.policy import REASON_SEVERITY, Reason
from moderation.selectors.scoring import item_score


def flag_content(
    *, flagger, flaggable: Flaggable, obj, reason: str, details: str = ""
) -> ActionResult:
    """Flags `obj` for review; `obj` of the result is the Flag. One flag per member per item:
    flagging again while the flag is pending changes nothing; flagging an item that was
    already reviewed reopens its review. Past the group's threshold the item is hidden
    (`auto_hide_item`, its own action and audit row)."""
    if not flaggable.can_view(flagger, obj):
        raise Http404
    if reason not in REASON_SEVERITY:
        raise ValueError(f"unknown reason {reason!r}")
    with transaction.atomic():
        item, item_created = _review_item_for(flaggable=flaggable, obj=obj)
        flag = _raise_flag(item=item, flagger=flagger, reason=reason, details=details)
        if flag is None:
            return ActionResult(changed=False, obj=Flag.objects.get(item=item, flagger=flagger))
        reopened = item.status == ReviewItem.Status.RESOLVED
        newly_urgent = reason == Reason.SELF_HARM and (reopened or not item.urgent)
        _open_for_review(item=item, flaggable=flaggable, obj=obj, reopened=reopened, reason=reason)
        entry = record_audit(
            actor=flagger,
            action=AuditLogEntry.Action.FLAG,
            target=content_target(flaggable=flaggable, obj=obj, group_id=item.group_id),
            reason=reason,
            snapshot=item.snapshot,
        )
        auto_hide_item(item=item, flaggable=flaggable, obj=obj)
        if newly_urgent:
            _offer_crisis_resources(author_id=item.author_id)
        if item_created or reopened:
            _alert_reviewers(item=item, flagger_id=flagger.pk)
        transaction.on_commit(
            lambda: live.announce_queue_change(
                item_id=item.pk, group_id=item.group_id, urgent=item.urgent
            )
        )
    return ActionResult(changed=True, entry=entry, obj=flag)


def _review_item_for(*, flaggable: Flaggable, obj) -> tuple[ReviewItem, bool]:
    """The one review item of this content (locked), and whether it was just made."""
    return ReviewItem.objects.select_for_update().get_or_create(
        content_kind=flaggable.kind,
        object_id=obj.pk,
        defaults={
            "group_id": flaggable.group_id(obj),
            "author_id": flaggable.author_id(obj),
            "snapshot": flaggable.snapshot(obj),
        },
    )


def _raise_flag(*, item: ReviewItem, flagger, reason: str, details: str) -> Flag | None:
    """The member's flag on the item, new or raised again after a decision; None when their
    flag is still pending (nothing to do)."""
    flag = Flag.objects.filter(item=item, flagger=flagger).first()
    if flag is None:
        try:
            with transaction.atomic():
                return Flag.objects.create(
                    item=item, flagger=flagger, reason=reason, details=details
                )
        except IntegrityError:  # the same member, twice at once
            return None
    if flag.outcome == Flag.Outcome.PENDING:
        return None
    flag.reason, flag.details = reason, details
    flag.outcome, flag.resolved_at = Flag.Outcome.PENDING, None
    flag.save(update_fields=["reason", "details", "outcome", "resolved_at"])
    return flag


def _open_for_review(
    *, item: ReviewItem, flaggable: Flaggable, obj, reopened: bool, reason: str
) -> None:
    """Reopens a reviewed item on the content as it is now, and weighs it again."""
    if reopened:
        item.status, item.decision, item.decided_at = ReviewItem.Status.OPEN, "", None
        item.opened_at = timezone.now()
        item.snapshot = flaggable.snapshot(obj)
        item.urgent = False
    item.urgent = item.urgent or reason == Reason.SELF_HARM
    item.score = item_score(item=item)
    item.save(
        update_fields=[
            "status",
            "decision",
            "decided_at",
            "opened_at",
            "snapshot",
            "urgent",
            "score",
        ]
    )


def _offer_crisis_resources(*, author_id: int | None) -> None:
    if author_id is None:
        return
    notify(
        recipient_id=author_id,
        kind="crisis_resources",
        text=lambda: _(
            "You are not alone. If things feel heavy right now, people are ready to "
            "listen, any time of day. Only you can see this."
        ),
        url=reverse("moderation:crisis_resources"),
    )


def _alert_reviewers(*, item: ReviewItem, flagger_id: int) -> None:
    """A live alert (the notification bell, pushed over each reviewer's own socket) for
    everyone who may review the item, wherever they are on the site, except the flagger, who
    knows. Once per item (new or reopened), never per flag; it names no flagger, author or
    content."""

    def text():
        if item.urgent:
            return _("An urgent report is waiting in the moderation queue.")
        return _("A new report is waiting in the moderation queue.")

    recipient_ids = set(item_reviewers(item=item).values_list("pk", flat=True)) - {flagger_id}
    for recipient_id in sorted(recipient_ids):
        notify(
            recipient_id=recipient_id,
            kind="moderation.new_report",
            text=text,
            url=reverse("moderation:item_detail", args=[item.pk]),
        )
