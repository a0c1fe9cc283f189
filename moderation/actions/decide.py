"""Decide: a moderator keeps, hides, deletes or redacts flagged content (decision 0050)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging.services.notifications import notify
from moderation import live
from moderation.actions.audit import ActionResult, item_target, record_audit
from moderation.flaggables import Flaggable, get_flaggable
from moderation.models import Flag, ReviewItem
from moderation.permissions import check_review_item

Decision = ReviewItem.Decision

AUTHOR_NOTICE = {
    Decision.HIDE: gettext_lazy("A moderator hid something you wrote. Reason: %(reason)s"),
    Decision.DELETE: gettext_lazy("A moderator removed something you wrote. Reason: %(reason)s"),
    Decision.REDACT: gettext_lazy(
        "A moderator removed identifying details from something you wrote. Reason: %(reason)s"
    ),
}


def decide_item(
    *, actor, item: ReviewItem, decision: str, reason: str, redacted_text: str = ""
) -> ActionResult:
    """Keep, hide, delete or redact a flagged item; tells the author (as "a moderator") and
    the reporters (the outcome only). Deciding the same way again changes nothing."""
    check_review_item(actor, item)
    if decision not in Decision.values:
        raise ValueError(f"unknown decision {decision!r}")
    flaggable = get_flaggable(item.content_kind)
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().get(pk=item.pk)
        if item.status == ReviewItem.Status.RESOLVED and item.decision == decision:
            return ActionResult(changed=False, obj=item)
        obj = flaggable.get(item.object_id)
        snapshot = flaggable.snapshot(obj) if obj is not None else item.snapshot
        if obj is not None:
            _apply(flaggable=flaggable, obj=obj, item=item, decision=decision, text=redacted_text)
        reporter_ids = _resolve(item=item, decision=decision)
        entry = record_audit(
            actor=actor,
            action=decision,
            target=item_target(item=item, obj=obj),
            reason=reason,
            snapshot=snapshot,
        )
        _tell_author(item=item, decision=decision, reason=reason)
        _tell_reporters(reporter_ids=reporter_ids, upheld=decision != Decision.KEEP)
        if obj is not None:
            transaction.on_commit(lambda: flaggable.announce_change(obj))
        transaction.on_commit(
            lambda: live.announce_queue_change(
                item_id=item.pk, group_id=item.group_id, urgent=item.urgent
            )
        )
    return ActionResult(changed=True, entry=entry, obj=item)


def _apply(*, flaggable: Flaggable, obj, item: ReviewItem, decision: str, text: str) -> None:
    """Asks the content's owner to change it. Keeping shows again what was hidden."""
    if decision == Decision.KEEP:
        if item.auto_hidden or item.decision == Decision.HIDE:
            flaggable.unhide(obj)
    elif decision == Decision.HIDE:
        flaggable.hide(obj)
    elif decision == Decision.DELETE:
        flaggable.delete(obj)
    else:
        flaggable.redact(obj, text)


def _resolve(*, item: ReviewItem, decision: str) -> list[int]:
    """Closes the item and its pending flags (upheld unless kept); returns their flaggers."""
    now = timezone.now()
    item.status, item.decision, item.decided_at = ReviewItem.Status.RESOLVED, decision, now
    item.auto_hidden = False
    item.save(update_fields=["status", "decision", "decided_at", "auto_hidden"])
    pending = item.flags.filter(outcome=Flag.Outcome.PENDING)
    reporter_ids = list(pending.values_list("flagger_id", flat=True))
    outcome = Flag.Outcome.DISMISSED if decision == Decision.KEEP else Flag.Outcome.UPHELD
    pending.update(outcome=outcome, resolved_at=now)
    return reporter_ids


def _tell_author(*, item: ReviewItem, decision: str, reason: str) -> None:
    if decision == Decision.KEEP or item.author_id is None:
        return
    notify(
        recipient_id=item.author_id,
        kind="moderation_decision",
        text=lambda: AUTHOR_NOTICE[decision] % {"reason": reason},
        url=reverse("moderation:my_notices"),
    )


def _tell_reporters(*, reporter_ids: list[int], upheld: bool) -> None:
    def text():
        if upheld:
            return _("Thank you for your report. Outcome: action taken.")
        return _("Thank you for your report. Outcome: no action.")

    for reporter_id in reporter_ids:
        notify(recipient_id=reporter_id, kind="flag_outcome", text=text)
