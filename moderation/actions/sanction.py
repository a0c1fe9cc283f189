"""Sanction: a moderator warns, mutes, removes, bans or suspends a member (decision 0050).

Also the path for a post's author (moderation/actions/posts.py passes the `post`): through an
anonymous post a group moderator acts on its author without ever learning who it is
(decision 0012)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.dates import absolute_text_for_someone_else
from community.models import Post, User
from community.selectors.groups import get_membership
from community.services.accounts import suspend_account
from community.services.groups import end_membership
from messaging.services import realtime
from messaging.services.notifications import notify
from moderation.actions.audit import ActionResult, record_audit, sanction_target
from moderation.flaggables import is_anonymous_item
from moderation.models import ReviewItem, Sanction
from moderation.permissions import check_sanction_member
from moderation.selectors.sanctions import active_sanctions

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
    post: Post | None = None,
) -> ActionResult:
    """Warn, mute, remove, ban or suspend a member, with a reason and an optional end time
    (a mute needs one). Repeating an action that is still in force changes nothing.

    A sanction through an anonymous `post`, or a site moderator's from an anonymous post's
    review `item`, is marked `is_anonymous`: site moderators only see it in appeals and
    histories, and nothing refused depends on who the author is."""
    if kind not in Kind.values:
        raise SanctionError(f"unknown sanction {kind!r}")
    group = None if kind == Kind.SUSPEND else group
    ends_at = None if kind == Kind.REMOVE else ends_at  # a removed member may ask to rejoin
    group_id = group.pk if group is not None else None
    anonymous = _is_anonymous(actor=actor, item=item, post=post)
    check_sanction_member(
        actor, kind=kind, group_id=group_id, target_id=target.pk, protect_owner=not anonymous
    )
    _validate(kind=kind, reason=reason, ends_at=ends_at)
    if not anonymous:
        _check_membership(kind=kind, group=group, target=target)
    with transaction.atomic():
        in_force = _in_force(kind=kind, group=group, target=target, item=item, reason=reason)
        if in_force is not None:
            return in_force
        sanction = Sanction.objects.create(
            user=target,
            kind=kind,
            group_id=group_id,
            reason=reason,
            ends_at=ends_at,
            item=item,
            created_by=actor,
            is_anonymous=anonymous,
        )
        _enforce(sanction=sanction, target=target)
        entry = record_audit(
            actor=actor,
            action=kind,
            target=sanction_target(sanction=sanction, post=post),
            reason=reason,
            snapshot=item.snapshot if item is not None else "",
        )
        _tell_member(sanction=sanction, group=group)
    return ActionResult(changed=True, entry=entry, obj=sanction)


def _is_anonymous(*, actor, item: ReviewItem | None, post: Post | None) -> bool:
    if post is not None:
        return post.is_anonymous
    if item is not None and is_anonymous_item(item):
        # Only site moderators know who wrote an anonymous post's review item (0012).
        if not actor.is_site_moderator:
            raise PermissionDenied
        return True
    return False


def _validate(*, kind: str, reason: str, ends_at) -> None:
    if not reason.strip():
        raise SanctionError(_("Give a reason: the member is told it."))
    if kind == Kind.MUTE and ends_at is None:
        raise SanctionError(_("A mute needs an end time."))
    if ends_at is not None and ends_at <= timezone.now():
        raise SanctionError(_("The end time must be in the future."))


def _check_membership(*, kind: str, group, target: User) -> None:
    if group is not None and kind != Kind.WARN and get_membership(user=target, group=group) is None:
        raise SanctionError(_("This person is not a member of the group."))


def _in_force(*, kind: str, group, target: User, item, reason: str) -> ActionResult | None:
    """The unchanged result when the same sanction already holds, else None. A removal holds
    while the member is out of the group; any other while its Sanction is active."""
    group_id = group.pk if group is not None else None
    if kind == Kind.REMOVE:
        membership = get_membership(user=target, group=group)
        if membership is not None and membership.is_active:
            return None
        earlier = target.sanctions.filter(kind=kind, group_id=group_id).order_by("-pk").first()
        return ActionResult(changed=False, obj=earlier)
    existing = (
        active_sanctions(user_id=target.pk)
        .select_for_update()
        .filter(kind=kind, group_id=group_id, item=item, reason=reason)
        .first()
    )
    return ActionResult(changed=False, obj=existing) if existing is not None else None


def _enforce(*, sanction: Sanction, target: User) -> None:
    """Makes the sanction hold now. Community ends memberships and accounts (its events close
    the member's sockets on commit); a mute makes the member's open sockets check again."""
    if sanction.kind in (Kind.REMOVE, Kind.BAN):
        end_membership(group_id=sanction.group_id, user_id=target.pk, ban=sanction.kind == Kind.BAN)
    elif sanction.kind == Kind.SUSPEND:
        suspend_account(user=target)
    elif sanction.kind == Kind.MUTE:
        user_id = target.pk
        transaction.on_commit(lambda: realtime.refresh_user_access(user_id=user_id))


def _tell_member(*, sanction: Sanction, group) -> None:
    """The member hears what was decided and why, from "a moderator"; never from which
    post when it came through an anonymous one (the reason is the caller's, and neutral)."""
    ends_at = sanction.ends_at

    def text():
        # Written in the moderator's request, read by the member: in the member's language
        # (notify runs this in it) and never in the moderator's zone.
        until = absolute_text_for_someone_else(ends_at) if ends_at else ""
        return MEMBER_NOTICE[sanction.kind] % {
            "reason": sanction.reason,
            "group": group.name if group is not None else "",
            "until": until,
        }

    notify(
        recipient_id=sanction.user_id,
        kind="sanction",
        text=text,
        url=reverse("moderation:my_notices"),
    )
