"""Moderators' actions on posts: hide, show again, pin, lock, and sanctions on a post's author.

Each is idempotent (doing it twice changes nothing the second time) and writes one audit row.
They take the post, never an author id, so that a group moderator can act on an anonymous
post's author without ever being told who it is. The post itself is community's: these ask
community.services.posts to change it.
"""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Post
from community.permissions import check_moderate_group
from community.services import posts
from community.services.groups import GroupError, ban_member, remove_member
from messaging.services.notifications import notify
from moderation.models import AuditLogEntry, Sanction
from moderation.selectors.sanctions import active_sanctions
from moderation.services.audit import record_audit
from moderation.services.sanctions import SanctionError, sanction_member

Action = AuditLogEntry.Action


def _audit_post(*, actor, action: str, post: Post, snapshot: str = "") -> None:
    record_audit(
        actor=actor,
        action=action,
        target_kind="post",
        target_id=post.pk,
        # An anonymous post's audit rows never name its author: group moderators read them.
        target_user_id=None if post.is_anonymous else post.author_id,
        group_id=post.group_id,
        snapshot=snapshot,
    )


def hide_post(*, actor, post: Post) -> Post:
    check_moderate_group(user=actor, group=post.group)
    with transaction.atomic():
        if posts.set_post_hidden(post=post, hidden=True):
            _audit_post(actor=actor, action=Action.HIDE, post=post, snapshot=post.body)
    return post


def unhide_post(*, actor, post: Post) -> Post:
    check_moderate_group(user=actor, group=post.group)
    with transaction.atomic():
        if posts.set_post_hidden(post=post, hidden=False):
            _audit_post(actor=actor, action=Action.UNHIDE, post=post, snapshot=post.body)
    return post


THREAD_FLAG_ACTIONS = {
    ("pinned_at", True): Action.PIN,
    ("pinned_at", False): Action.UNPIN,
    ("locked_at", True): Action.LOCK,
    ("locked_at", False): Action.UNLOCK,
}


def _set_thread_flag(*, actor, thread: Post, flag: str, on: bool) -> Post:
    check_moderate_group(user=actor, group=thread.group)
    with transaction.atomic():
        if posts.set_thread_flag(thread=thread, flag=flag, on=on):
            _audit_post(
                actor=actor,
                action=THREAD_FLAG_ACTIONS[(flag, on)],
                post=thread,
                snapshot=thread.title,
            )
    return thread


def pin_thread(*, actor, thread: Post, pinned: bool = True) -> Post:
    return _set_thread_flag(actor=actor, thread=thread, flag="pinned_at", on=pinned)


def lock_thread(*, actor, thread: Post, locked: bool = True) -> Post:
    return _set_thread_flag(actor=actor, thread=thread, flag="locked_at", on=locked)


def _author_id_or_error(*, actor, post: Post) -> int:
    if post.author_id is None:
        raise GroupError(_("The author of this post has left Kindred."))
    if post.author_id == actor.pk:
        raise GroupError(_("This is your own post."))
    return post.author_id


def _sanction_post_author(*, actor, post: Post, kind: str, ends_at=None) -> None:
    """Mute, remove or ban the author of `post` in its group.

    A named post goes through the moderation app's sanctions like any other (audit row,
    notice to the member, sockets closed). An anonymous post's author must stay unknown to
    group moderators, who read their groups' audit log, appeals and member histories: so the
    Sanction is marked `is_anonymous` (site moderators only), the audit row names the post,
    not the person, and the reason says nothing about which post it was. The author can still
    read and appeal it like any other decision.
    """
    check_moderate_group(user=actor, group=post.group)
    author_id = _author_id_or_error(actor=actor, post=post)
    reason = _("Acting on a post in %(group)s that breaks the code of conduct.") % {
        "group": post.group.name
    }
    if not post.is_anonymous:
        try:
            sanction_member(
                actor=actor,
                target=post.author,
                kind=kind,
                reason=reason,
                group=post.group,
                ends_at=ends_at,
            )
        except SanctionError as error:
            raise GroupError(str(error)) from error
        return
    with transaction.atomic():
        if kind == Sanction.Kind.MUTE:
            changed = not (
                active_sanctions(user_id=author_id)
                .filter(group_id=post.group_id, kind=kind)
                .exists()
            )
        elif kind == Sanction.Kind.REMOVE:
            changed = remove_member(
                actor=actor, group=post.group, user_id=author_id, protect_owner=False
            )
        else:
            changed = ban_member(
                actor=actor, group=post.group, user_id=author_id, protect_owner=False
            )
        if not changed:
            return
        Sanction.objects.create(
            user_id=author_id,
            group_id=post.group_id,
            kind=kind,
            reason=reason,
            ends_at=ends_at,
            created_by=actor,
            is_anonymous=True,
        )
        record_audit(
            actor=actor,
            action=getattr(AuditLogEntry.Action, kind.upper()),
            target_kind="post",
            target_id=post.pk,
            target_user_id=None,
            group_id=post.group_id,
            reason=_("Author of an anonymous post."),
        )
        notify(
            recipient_id=author_id,
            kind="sanction",
            text=_("A moderator acted on your anonymous post in %(group)s: %(action)s.")
            % {
                "group": post.group.name,
                "action": Sanction.Kind(kind).label,
            },
            url=reverse("moderation:my_notices"),
        )


def remove_post_author_from_group(*, actor, post: Post) -> None:
    _sanction_post_author(actor=actor, post=post, kind=Sanction.Kind.REMOVE)


def ban_post_author_from_group(*, actor, post: Post) -> None:
    _sanction_post_author(actor=actor, post=post, kind=Sanction.Kind.BAN)


def mute_post_author(*, actor, post: Post, hours: int = 24) -> None:
    """Mutes the author in the post's group: no posts, replies or live-room messages."""
    _sanction_post_author(
        actor=actor,
        post=post,
        kind=Sanction.Kind.MUTE,
        ends_at=timezone.now() + timedelta(hours=hours),
    )
