"""Changing posts: threads, replies, edits, deletions, reactions; and the changes moderation
decides (hiding, removing, redacting, pinning, locking), which it asks for here."""

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community.before_you_send import hold_back_if_identifying
from community.events import notify_member
from community.models import Group, Post, PostRevision, Reaction, ThreadVisit
from community.permissions import (
    check_edit_post,
    check_reply_to_thread,
    check_write_in_group,
)
from community.selectors.posts import reply_url
from community.services.groups import GroupError


def _written(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def create_thread(
    *,
    author,
    group: Group,
    title: str,
    body: str,
    content_warning: str = "",
    is_anonymous: bool = False,
    confirmed: bool = False,
) -> Post:
    check_write_in_group(user=author, group=group)
    hold_back_if_identifying(
        text=_written(title, body, content_warning),
        user=author,
        group_id=group.pk,
        confirmed=confirmed,
    )
    return Post.objects.create(
        group=group,
        author=author,
        title=title,
        body=body,
        content_warning=content_warning,
        is_anonymous=is_anonymous,
    )


def create_reply(
    *,
    author,
    thread: Post,
    body: str,
    content_warning: str = "",
    is_anonymous: bool = False,
    confirmed: bool = False,
) -> Post:
    check_reply_to_thread(user=author, thread=thread)
    hold_back_if_identifying(
        text=_written(body, content_warning),
        user=author,
        group_id=thread.group_id,
        confirmed=confirmed,
    )
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
            notify_member(
                recipient_id=thread.author_id,
                kind="thread_reply",
                text=lambda: _("New reply in your thread “%(title)s”.") % {"title": thread.title},
                url=reply_url(thread=thread, reply_id=reply.pk, position=thread.reply_count + 1),
            )
    return reply


def record_thread_visit(*, user, thread: Post, seen_through=None) -> None:
    """The member was shown `thread` up to `seen_through` (default now: its last page): its
    list stops marking replies up to then as new. The mark never moves back, so opening the
    first page of a long thread again leaves what a later page showed seen. One statement (an
    upsert keeping the later time), so two tabs opening the thread at once cannot collide."""
    seen_through = seen_through or timezone.now()
    table = connection.ops.quote_name(ThreadVisit._meta.db_table)
    later = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    # Only the code's own identifiers are interpolated; the values are parameters.
    upsert = (
        f"INSERT INTO {table} (user_id, thread_id, seen_at) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (user_id, thread_id) "
        f"DO UPDATE SET seen_at = {later}({table}.seen_at, excluded.seen_at)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            upsert,
            [user.pk, thread.pk, connection.ops.adapt_datetimefield_value(seen_through)],
        )


def _keep_revision(post: Post) -> None:
    """Keeps the stored text as a revision. Read from the row, locked, not from `post`: an
    edit form has already put the new text on the instance, and two edits at once must each
    keep the text they replace."""
    stored = (
        Post.objects.select_for_update().only("title", "body", "content_warning").get(pk=post.pk)
    )
    PostRevision.objects.create(
        post=post, title=stored.title, body=stored.body, content_warning=stored.content_warning
    )


def edit_post(
    *,
    actor,
    post: Post,
    body: str,
    title: str = "",
    content_warning: str = "",
    confirmed: bool = False,
) -> Post:
    check_edit_post(user=actor, post=post)
    hold_back_if_identifying(
        text=_written(title, body, content_warning),
        user=actor,
        group_id=post.group_id,
        confirmed=confirmed,
    )
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


# --- what moderation asks of posts ---------------------------------------------------------
# community owns posts; moderation (moderation/actions/posts.py, moderation/flaggables.py)
# decides, checks its permissions, writes its audit rows and calls these to change them.


def set_post_hidden(*, post: Post, hidden: bool) -> bool:
    """Hidden posts keep their place as a tombstone. Returns whether anything changed."""
    if (post.hidden_at is not None) == hidden:
        return False
    post.hidden_at = timezone.now() if hidden else None
    post.save(update_fields=["hidden_at"])
    return True


def remove_post(*, post: Post) -> bool:
    """A moderator's deletion: a tombstone for everyone; the text stays for the audit trail."""
    if post.deleted_at is not None:
        return False
    post.deleted_at = timezone.now()
    post.save(update_fields=["deleted_at"])
    return True


def redact_post(*, post: Post, text: str) -> None:
    """Keeps the post but replaces its text (what identified someone) and shows it again."""
    post.body = text
    post.edited_at = timezone.now()
    post.hidden_at = None
    post.save(update_fields=["body", "edited_at", "hidden_at"])


THREAD_FLAGS = ("pinned_at", "locked_at")


def set_thread_flag(*, thread: Post, flag: str, on: bool) -> bool:
    """Pins or locks a thread (or undoes it). Returns whether anything changed."""
    if flag not in THREAD_FLAGS:
        raise ValueError(flag)
    if not thread.is_thread:
        raise GroupError(_("Only threads can be pinned or locked."))
    if (getattr(thread, flag) is not None) == on:
        return False
    setattr(thread, flag, timezone.now() if on else None)
    thread.save(update_fields=[flag])
    return True
