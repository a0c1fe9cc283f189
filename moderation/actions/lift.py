"""Lift: a sanction ends, because an appeal was granted (moderation/actions/appeal.py) or its
time ran out (`lift_expired_sanctions`, run by the scheduler)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.services.accounts import reinstate_account
from community.services.groups import restore_membership
from messaging.services import realtime
from moderation.actions.audit import ActionResult, record_audit, sanction_target
from moderation.models import AuditLogEntry, Sanction

Kind = Sanction.Kind


def lift_sanction(*, sanction: Sanction) -> None:
    """Undoes a sanction's effect: the member is back in the group, the account active, the
    mute over. Writes no audit row: the action that lifts it does. Call inside its
    transaction."""
    sanction.lifted_at = timezone.now()
    sanction.save(update_fields=["lifted_at"])
    if sanction.kind in (Kind.REMOVE, Kind.BAN) and sanction.group_id is not None:
        restore_membership(group_id=sanction.group_id, user_id=sanction.user_id)
    elif sanction.kind == Kind.SUSPEND:
        reinstate_account(user_id=sanction.user_id)
    elif sanction.kind == Kind.MUTE:
        user_id = sanction.user_id
        transaction.on_commit(lambda: realtime.refresh_user_access(user_id=user_id))


def lift_expired_sanction(*, sanction: Sanction) -> ActionResult:
    """Ends one ban or suspension whose end time passed; the system is the actor."""
    with transaction.atomic():
        sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
        if sanction.lifted_at is not None:
            return ActionResult(changed=False, obj=sanction)
        lift_sanction(sanction=sanction)
        entry = record_audit(
            actor=None,
            action=AuditLogEntry.Action.LIFT,
            target=sanction_target(sanction=sanction),
            reason=_("Ended: its time ran out."),
        )
    return ActionResult(changed=True, entry=entry, obj=sanction)


def lift_expired_sanctions() -> int:
    """Ends bans and suspensions whose end time passed (mutes simply stop counting); returns
    how many. Run it every few minutes."""
    expired = Sanction.objects.filter(
        kind__in=[Kind.BAN, Kind.SUSPEND], lifted_at__isnull=True, ends_at__lte=timezone.now()
    )
    return sum(lift_expired_sanction(sanction=sanction).changed for sanction in expired)
