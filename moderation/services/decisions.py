from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging.services.notifications import notify
from moderation import live
from moderation.flaggables import get_flaggable
from moderation.models import Flag, ReviewItem
from moderation.permissions import check_review_item
from moderation.services.audit import ActionResult, record_audit

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
            if decision == Decision.KEEP:
                if item.auto_hidden or item.decision == Decision.HIDE:
                    flaggable.unhide(obj)
            elif decision == Decision.HIDE:
                flaggable.hide(obj)
            elif decision == Decision.DELETE:
                flaggable.delete(obj)
            elif decision == Decision.REDACT:
                flaggable.redact(obj, redacted_text)
        now = timezone.now()
        item.status, item.decision, item.decided_at = ReviewItem.Status.RESOLVED, decision, now
        item.auto_hidden = False
        item.save(update_fields=["status", "decision", "decided_at", "auto_hidden"])
        upheld = decision != Decision.KEEP
        outcome = Flag.Outcome.UPHELD if upheld else Flag.Outcome.DISMISSED
        reporter_ids = list(
            item.flags.filter(outcome=Flag.Outcome.PENDING).values_list("flagger_id", flat=True)
        )
        item.flags.filter(outcome=Flag.Outcome.PENDING).update(outcome=outcome, resolved_at=now)
        entry = record_audit(
            actor=actor,
            action=decision,
            target_kind=item.content_kind,
            target_id=item.object_id,
            # An anonymous post's rows never name its author: group moderators read them.
            target_user_id=None
            if obj is not None and flaggable.is_anonymous(obj)
            else item.author_id,
            group_id=item.group_id,
            reason=reason,
            snapshot=snapshot,
        )
        if upheld and item.author_id is not None:
            notify(
                recipient_id=item.author_id,
                kind="moderation_decision",
                text=AUTHOR_NOTICE[decision] % {"reason": reason},
                url=reverse("moderation:my_notices"),
            )
        reporter_text = (
            _("Thank you for your report. Outcome: action taken.")
            if upheld
            else _("Thank you for your report. Outcome: no action.")
        )
        for reporter_id in reporter_ids:
            notify(recipient_id=reporter_id, kind="flag_outcome", text=reporter_text)
        if obj is not None:
            transaction.on_commit(lambda: flaggable.announce_change(obj))
        transaction.on_commit(
            lambda: live.announce_queue_change(
                item_id=item.pk, group_id=item.group_id, urgent=item.urgent
            )
        )
    return ActionResult(changed=True, entry=entry, obj=item)
