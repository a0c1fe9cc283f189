from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import Membership, User
from messaging.services import realtime
from messaging.services.notifications import notify
from moderation.flaggables import is_anonymous_item
from moderation.models import AuditLogEntry, ReviewItem, Sanction
from moderation.permissions import check_sanction_member
from moderation.selectors.sanctions import active_sanctions
from moderation.services.audit import ActionResult, record_audit, sanction_audit_group_id

Kind = Sanction.Kind

MEMBER_NOTICE = {
    Kind.WARN: gettext_lazy("A moderator sent you a warning. Reason: %(reason)s"),
    Kind.MUTE: gettext_lazy(
        "A moderator muted you in %(group)s until %(until)s. Reason: %(reason)s"
    ),
    Kind.REMOVE: gettext_lazy("A moderator removed you from %(group)s. Reason: %(reason)s"),
    Kind.BAN: gettext_lazy("A moderator banned you from %(group)s. Reason: %(reason)s"),
    Kind.SUSPEND: gettext_lazy("A moderator suspended your account. Reason: %(reason)s"),
}


class SanctionError(ValueError):
    pass


def sanction_member(
    *,
    actor,
    target: User,
    kind: str,
    reason: str,
    group=None,
    ends_at=None,
    item: ReviewItem | None = None,
) -> ActionResult:
    """Warn, mute, remove, ban or suspend a member, with a reason and an optional end time
    (a mute needs one). Repeating an action that is still in force changes nothing."""
    if kind not in Kind.values:
        raise SanctionError(f"unknown sanction {kind!r}")
    if kind == Kind.SUSPEND:
        group = None
    group_id = group.pk if group is not None else None
    check_sanction_member(actor, kind=kind, group_id=group_id, target_id=target.pk)
    # Acting on the author of an anonymous post's review item: only site moderators know who
    # that is, and only they may see the sanction (decision 0012).
    is_anonymous = item is not None and is_anonymous_item(item)
    if is_anonymous and not actor.is_site_moderator:
        raise PermissionDenied
    if not reason.strip():
        raise SanctionError(_("Give a reason: the member is told it."))
    if kind == Kind.MUTE and ends_at is None:
        raise SanctionError(_("A mute needs an end time."))
    if kind == Kind.REMOVE:
        ends_at = None  # a removed member may ask to join again; nothing to expire
    if ends_at is not None and ends_at <= timezone.now():
        raise SanctionError(_("The end time must be in the future."))
    membership = None
    if group_id is not None:
        membership = Membership.objects.filter(group_id=group_id, user_id=target.pk).first()
        if kind != Kind.WARN and membership is None:
            raise SanctionError(_("This person is not a member of the group."))
    with transaction.atomic():
        existing = (
            active_sanctions(user_id=target.pk)
            .select_for_update()
            .filter(kind=kind, group_id=group_id, item=item, reason=reason)
            .first()
        )
        if existing is not None:
            return ActionResult(changed=False, obj=existing)
        sanction = Sanction.objects.create(
            user=target,
            kind=kind,
            group_id=group_id,
            reason=reason,
            ends_at=ends_at,
            item=item,
            created_by=actor,
            is_anonymous=is_anonymous,
        )
        if kind in (Kind.REMOVE, Kind.BAN) and membership is not None:
            membership.state = (
                Membership.State.REMOVED if kind == Kind.REMOVE else Membership.State.BANNED
            )
            membership.updated_at = timezone.now()
            membership.save(update_fields=["state", "updated_at"])
        if kind == Kind.SUSPEND:
            # An inactive account's sessions open no page, and its sockets close on commit
            # (messaging/handlers.py): every deactivation does that, not only this one.
            target.is_active = False
            target.save(update_fields=["is_active"])
        entry = record_audit(
            actor=actor,
            action=kind,
            target_kind="user",
            target_id=target.pk,
            target_user_id=target.pk,
            group_id=sanction_audit_group_id(sanction),
            reason=reason,
            snapshot=item.snapshot if item is not None else "",
        )
        until = (
            formats.date_format(timezone.localtime(ends_at), "DATETIME_FORMAT") if ends_at else ""
        )
        notify(
            recipient_id=target.pk,
            kind="sanction",
            text=MEMBER_NOTICE[kind]
            % {
                "reason": reason,
                "group": group.name if group is not None else "",
                "until": until,
            },
            url=reverse("moderation:my_notices"),
        )
        target_id = target.pk
        if kind == Kind.MUTE:
            # Their sockets keep what they may do; this makes them check again.
            transaction.on_commit(lambda: realtime.refresh_user_access(user_id=target_id))
        elif kind in (Kind.REMOVE, Kind.BAN):
            transaction.on_commit(
                lambda: realtime.end_group_membership_sockets(group_id=group_id, user_id=target_id)
            )
    return ActionResult(changed=True, entry=entry, obj=sanction)


def lift_sanction(*, sanction: Sanction) -> None:
    """Undoes a sanction's effect (appeal granted). Call inside the caller's transaction."""
    sanction.lifted_at = timezone.now()
    sanction.save(update_fields=["lifted_at"])
    if sanction.kind in (Kind.REMOVE, Kind.BAN) and sanction.group_id is not None:
        Membership.objects.filter(
            group_id=sanction.group_id,
            user_id=sanction.user_id,
            state__in=[Membership.State.REMOVED, Membership.State.BANNED],
        ).update(state=Membership.State.ACTIVE, updated_at=timezone.now())
    if sanction.kind == Kind.SUSPEND:
        User.objects.filter(pk=sanction.user_id).update(is_active=True)
    if sanction.kind == Kind.MUTE:
        user_id = sanction.user_id
        transaction.on_commit(lambda: realtime.refresh_user_access(user_id=user_id))


def lift_expired_sanctions() -> int:
    """Ends bans and suspensions whose end time passed (mutes simply stop counting).
    The scheduler runs it every minute (`moderation/tasks.py`)."""
    now = timezone.now()
    expired = Sanction.objects.filter(
        kind__in=[Kind.BAN, Kind.SUSPEND], lifted_at__isnull=True, ends_at__lte=now
    )
    count = 0
    for sanction in expired:
        with transaction.atomic():
            lift_sanction(sanction=sanction)
            record_audit(
                actor=None,
                action=AuditLogEntry.Action.LIFT,
                target_kind="user",
                target_id=sanction.user_id,
                target_user_id=sanction.user_id,
                group_id=sanction_audit_group_id(sanction),
                reason=_("Ended: its time ran out."),
            )
        count += 1
    return count
