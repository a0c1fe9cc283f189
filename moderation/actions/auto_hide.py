"""Auto-hide: the system hides flagged content whose priority reached its group's threshold,
pending review (decision 0050)."""

from django.db import transaction
from django.utils.translation import gettext as _

from moderation.actions.audit import ActionResult, content_target, record_audit
from moderation.flaggables import Flaggable
from moderation.models import AuditLogEntry, ReviewItem
from moderation.permissions import item_reviewers
from moderation.selectors.scoring import auto_hide_threshold


def auto_hide_item(*, item: ReviewItem, flaggable: Flaggable, obj) -> ActionResult:
    """Hides the item's content once its score reaches the threshold, and only when someone
    may review it: auto-hide never hides what nobody reviews. Call inside the flag's
    transaction, with the item locked."""
    if item.auto_hidden or item.score < auto_hide_threshold(group_id=item.group_id):
        return ActionResult(changed=False, obj=item)
    if not item_reviewers(item=item).exists():
        return ActionResult(changed=False, obj=item)
    flaggable.hide(obj)
    item.auto_hidden = True
    item.save(update_fields=["auto_hidden"])
    entry = record_audit(
        actor=None,
        action=AuditLogEntry.Action.AUTO_HIDE,
        target=content_target(flaggable=flaggable, obj=obj, group_id=item.group_id),
        reason=_("Priority score %(score)s reached the threshold.") % {"score": item.score},
        snapshot=item.snapshot,
    )
    transaction.on_commit(lambda: flaggable.announce_change(obj))
    return ActionResult(changed=True, entry=entry, obj=item)
