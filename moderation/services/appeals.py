from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.services.notifications import notify
from moderation.models import Appeal, AuditLogEntry, Sanction
from moderation.permissions import check_decide_appeal
from moderation.policy import APPEAL_WINDOW
from moderation.services.audit import ActionResult, record_audit, sanction_audit_group_id
from moderation.services.sanctions import lift_sanction


class AppealError(ValueError):
    pass


def appeal_deadline(sanction: Sanction):
    return sanction.created_at + APPEAL_WINDOW


def submit_appeal(*, appellant, sanction: Sanction, text: str) -> ActionResult:
    """One appeal per sanction, by the sanctioned member, within 14 days."""
    if sanction.user_id != appellant.pk:
        from django.http import Http404

        raise Http404
    if hasattr(sanction, "appeal"):
        return ActionResult(changed=False, obj=sanction.appeal)
    if timezone.now() > appeal_deadline(sanction):
        raise AppealError(_("The 14 days to appeal this decision have passed."))
    if not text.strip():
        raise AppealError(_("Tell the moderators why the decision should change."))
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(sanction=sanction, text=text)
            entry = record_audit(
                actor=appellant,
                action=AuditLogEntry.Action.APPEAL,
                target_kind="sanction",
                target_id=sanction.pk,
                target_user_id=appellant.pk,
                group_id=sanction_audit_group_id(sanction),
                reason=text,
            )
    except IntegrityError:  # a second submission at the same moment
        return ActionResult(changed=False, obj=Appeal.objects.get(sanction=sanction))
    return ActionResult(changed=True, entry=entry, obj=appeal)


def decide_appeal(*, actor, appeal: Appeal, grant: bool, note: str) -> ActionResult:
    """A moderator other than the one who decided the sanction grants (lifts it) or denies
    the appeal. The member is told the outcome, by "a moderator"."""
    check_decide_appeal(actor, appeal)
    if not note.strip():
        raise AppealError(_("Give a reason: the member is told it."))
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("sanction").get(pk=appeal.pk)
        if appeal.status != Appeal.Status.PENDING:
            return ActionResult(changed=False, obj=appeal)
        appeal.status = Appeal.Status.GRANTED if grant else Appeal.Status.DENIED
        appeal.decided_by = actor
        appeal.decision_note = note
        appeal.decided_at = timezone.now()
        appeal.save(update_fields=["status", "decided_by", "decision_note", "decided_at"])
        sanction = appeal.sanction
        if grant:
            lift_sanction(sanction=sanction)
        entry = record_audit(
            actor=actor,
            action=AuditLogEntry.Action.APPEAL_GRANTED
            if grant
            else AuditLogEntry.Action.APPEAL_DENIED,
            target_kind="sanction",
            target_id=sanction.pk,
            target_user_id=sanction.user_id,
            group_id=sanction_audit_group_id(sanction),
            reason=note,
        )
        text = (
            _("A moderator reviewed your appeal and lifted the decision. %(note)s")
            if grant
            else _("A moderator reviewed your appeal; the decision stands. %(note)s")
        ) % {"note": note}
        notify(
            recipient_id=sanction.user_id,
            kind="appeal_outcome",
            text=text,
            url=reverse("moderation:my_notices"),
        )
    return ActionResult(changed=True, entry=entry, obj=appeal)
