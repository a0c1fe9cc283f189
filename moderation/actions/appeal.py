"""Appeal: the sanctioned member asks once for a second look, and someone other than who
imposed it decides (decision 0050; who may: moderation.permissions, the reviewer rule)."""

from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.before_you_send import hold_back_if_identifying
from messaging.services.notifications import notify
from moderation.actions.audit import ActionResult, appeal_target, record_audit
from moderation.actions.lift import lift_sanction
from moderation.models import Appeal, AuditLogEntry, Sanction
from moderation.permissions import check_decide_appeal
from moderation.selectors.sanctions import appeal_deadline


class AppealError(ValueError):
    pass


def submit_appeal(
    *, appellant, sanction: Sanction, text: str, confirmed: bool = False
) -> ActionResult:
    """One appeal per sanction, by the sanctioned member, within 14 days. Held back (HeldBack)
    when the text would identify the member and they have not confirmed it."""
    if sanction.user_id != appellant.pk:
        raise Http404
    if hasattr(sanction, "appeal"):
        return ActionResult(changed=False, obj=sanction.appeal)
    if timezone.now() > appeal_deadline(sanction):
        raise AppealError(_("The 14 days to appeal this decision have passed."))
    if not text.strip():
        raise AppealError(_("Tell the moderators why the decision should change."))
    hold_back_if_identifying(
        text=text, user=appellant, group_id=sanction.group_id, confirmed=confirmed
    )
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(sanction=sanction, text=text)
            entry = record_audit(
                actor=appellant,
                action=AuditLogEntry.Action.APPEAL,
                target=appeal_target(sanction=sanction),
                reason=text,
            )
    except IntegrityError:  # a second submission at the same moment
        return ActionResult(changed=False, obj=Appeal.objects.get(sanction=sanction))
    return ActionResult(changed=True, entry=entry, obj=appeal)


def decide_appeal(*, actor, appeal: Appeal, grant: bool, note: str) -> ActionResult:
    """Grants (lifts the sanction) or denies the appeal. The member is told the outcome, by
    "a moderator"."""
    check_decide_appeal(actor, appeal)
    if not note.strip():
        raise AppealError(_("Give a reason: the member is told it."))
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("sanction").get(pk=appeal.pk)
        if appeal.status != Appeal.Status.PENDING:
            return ActionResult(changed=False, obj=appeal)
        _close(appeal=appeal, actor=actor, grant=grant, note=note)
        if grant:
            lift_sanction(sanction=appeal.sanction)
        entry = record_audit(
            actor=actor,
            action=AuditLogEntry.Action.APPEAL_GRANTED
            if grant
            else AuditLogEntry.Action.APPEAL_DENIED,
            target=appeal_target(sanction=appeal.sanction),
            reason=note,
        )
        _tell_appellant(sanction=appeal.sanction, grant=grant, note=note)
    return ActionResult(changed=True, entry=entry, obj=appeal)


def _close(*, appeal: Appeal, actor, grant: bool, note: str) -> None:
    appeal.status = Appeal.Status.GRANTED if grant else Appeal.Status.DENIED
    appeal.decided_by = actor
    appeal.decision_note = note
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["status", "decided_by", "decision_note", "decided_at"])


def _tell_appellant(*, sanction: Sanction, grant: bool, note: str) -> None:
    def text():
        if grant:
            told = _("A moderator reviewed your appeal and lifted the decision. %(note)s")
        else:
            told = _("A moderator reviewed your appeal; the decision stands. %(note)s")
        return told % {"note": note}

    notify(
        recipient_id=sanction.user_id,
        kind="appeal_outcome",
        text=text,
        url=reverse("moderation:my_notices"),
    )
