"""Changing posts: threads, replies, edits, deletions, reactions, and moderators' actions.

Moderators' actions take the post, never an author id, so that a group moderator can act on
an anonymous post's author without ever being told who it is.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Group, Post, PostRevision, Reaction
from community.permissions import (
    check_edit_post,
    check_moderate_group,
    check_reply_to_thread,
    check_write_in_group,
)
from community.selectors.posts import reply_url
from community.services.groups import GroupError, ban_member, remove_member
from messaging.services.notifications import notify
from moderation.models import AuditLogEntry, Sanction
from moderation.selectors.sanctions import active_sanctions
from moderation.services.audit import record_audit
from moderation.services.sanctions import SanctionError, sanction_member


def create_thread(
    *,
    author,
    group: Group,
    title: str,
    body: str,
    content_warning: str = "",
    is_anonymous: bool = False,
) -> Post:
    check_write_in_group(user=author, group=group)
    return Post.objects.create(
        group=group,
        author=author,
        title=title,
        body=body,
        content_warning=content_warning,
        is_anonymous=is_anonymous,
    )


def create_reply(
    *, author, thread: Post, body: str, content_warning: str = "", is_anonymous: bool = False
) -> Post:
    check_reply_to_thread(user=author, thread=thread)
    now = timezone.now()
    with transaction.atomic():
        reply = Post.objects.create(
            group_id=thread.group_id,
            thread=thread,
            author=author,
            body=body,
            content_warning=content_warning,
            is_anonymous=is_anonymous,
            created_at=now,
        )
        Post.objects.filter(pk=thread.pk).update(
            reply_count=F("reply_count") + 1, last_activity_at=now
        )
        if thread.author_id and thread.author_id != author.pk:
            # Never names the replier: the reply may be anonymous.
            notify(
                recipient_id=thread.author_id,
                kind="thread_reply",
                text=_("New reply in your thread “%(title)s”.") % {"title": thread.title},
                url=reply_url(thread=thread, reply_id=reply.pk, position=thread.reply_count + 1),
            )
    return reply


def _keep_revision(post: Post) -> None:
    PostRevision.objects.create(
        post=post, title=post.title, body=post.body, content_warning=post.content_warning
    )


def edit_post(*, actor, post: Post, body: str, title: str = "", content_warning: str = "") -> Post:
    check_edit_post(user=actor, post=post)
    with transaction.atomic():
        _keep_revision(post)
        post.body = body
        post.content_warning = content_warning
        if post.is_thread:
            post.title = title
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "content_warning", "title", "edited_at"])
    return post


def delete_post(*, actor, post: Post) -> Post:
    """The author deletes their post: its text leaves the thread (a tombstone stays), and
    the last version is kept as a revision for moderators."""
    check_edit_post(user=actor, post=post)
    with transaction.atomic():
        _keep_revision(post)
        post.body = ""
        post.content_warning = ""
        post.deleted_at = timezone.now()
        post.save(update_fields=["body", "content_warning", "deleted_at"])
    return post


def toggle_reaction(*, user, post: Post, kind: str) -> bool:
    """Adds the reaction, or takes it back if it was there. Returns whether it is on now."""
    if kind not in Reaction.Kind.values:
        raise GroupError(_("Unknown reaction."))
    check_write_in_group(user=user, group=post.group)
    if post.deleted_at is not None or post.hidden_at is not None:
        raise GroupError(_("You cannot react to this post."))
    with transaction.atomic():
        deleted, _details = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
        if deleted:
            return False
        Reaction.objects.create(post=post, user=user, kind=kind)
    return True


# --- moderators ----------------------------------------------------------------------------
# Each is idempotent: doing it twice changes nothing the second time.


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
    if post.hidden_at is None:
        with transaction.atomic():
            post.hidden_at = timezone.now()
            post.save(update_fields=["hidden_at"])
            _audit_post(
                actor=actor, action=AuditLogEntry.Action.HIDE, post=post, snapshot=post.body
            )
    return post


def unhide_post(*, actor, post: Post) -> Post:
    check_moderate_group(user=actor, group=post.group)
    if post.hidden_at is not None:
        with transaction.atomic():
            post.hidden_at = None
            post.save(update_fields=["hidden_at"])
            _audit_post(
                actor=actor, action=AuditLogEntry.Action.UNHIDE, post=post, snapshot=post.body
            )
    return post


THREAD_FLAG_ACTIONS = {
    ("pinned_at", True): AuditLogEntry.Action.PIN,
    ("pinned_at", False): AuditLogEntry.Action.UNPIN,
    ("locked_at", True): AuditLogEntry.Action.LOCK,
    ("locked_at", False): AuditLogEntry.Action.UNLOCK,
}


def _set_thread_flag(*, actor, thread: Post, field: str, on: bool) -> Post:
    check_moderate_group(user=actor, group=thread.group)
    if not thread.is_thread:
        raise GroupError(_("Only threads can be pinned or locked."))
    if (getattr(thread, field) is not None) != on:
        with transaction.atomic():
            setattr(thread, field, timezone.now() if on else None)
            thread.save(update_fields=[field])
            _audit_post(
                actor=actor,
                action=THREAD_FLAG_ACTIONS[(field, on)],
                post=thread,
                snapshot=thread.title,
            )
    return thread


def pin_thread(*, actor, thread: Post, pinned: bool = True) -> Post:
    return _set_thread_flag(actor=actor, thread=thread, field="pinned_at", on=pinned)


def lock_thread(*, actor, thread: Post, locked: bool = True) -> Post:
    return _set_thread_flag(actor=actor, thread=thread, field="locked_at", on=locked)


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
