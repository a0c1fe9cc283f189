"""Threshold: a group's moderators tune auto-hide for their group, within the site limits."""

from django.db import transaction
from django.utils.translation import gettext as _

from moderation.actions.audit import ActionResult, AuditTarget, record_audit
from moderation.models import AuditLogEntry, GroupModerationSettings
from moderation.permissions import check_moderate_group
from moderation.policy import AUTO_HIDE_THRESHOLD_MAX, AUTO_HIDE_THRESHOLD_MIN


def set_auto_hide_threshold(*, actor, group, threshold: float) -> ActionResult:
    check_moderate_group(actor, group.pk)
    if not AUTO_HIDE_THRESHOLD_MIN <= threshold <= AUTO_HIDE_THRESHOLD_MAX:
        raise ValueError(
            _("Choose a threshold between %(low)s and %(high)s.")
            % {"low": AUTO_HIDE_THRESHOLD_MIN, "high": AUTO_HIDE_THRESHOLD_MAX}
        )
    with transaction.atomic():
        settings, _created = GroupModerationSettings.objects.select_for_update().get_or_create(
            group=group
        )
        if settings.auto_hide_threshold == threshold and not _created:
            return ActionResult(changed=False, obj=settings)
        settings.auto_hide_threshold = threshold
        settings.save(update_fields=["auto_hide_threshold"])
        entry = record_audit(
            actor=actor,
            action=AuditLogEntry.Action.THRESHOLD,
            target=AuditTarget(kind="group", id=group.pk, user_id=None, group_id=group.pk),
            reason=str(threshold),
        )
    return ActionResult(changed=True, entry=entry, obj=settings)
