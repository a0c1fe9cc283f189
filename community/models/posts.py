from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models.groups import Group


class Post(models.Model):
    """A thread in a group (title, no parent) or a reply in a thread (parent set).

    One model for both, so that flags, revisions, reactions and tombstones work the same way
    for each. `author` is null once the member deleted their account. Moderation hides a post
    with `hidden_at`; its author deletes it with `deleted_at` (a tombstone stays in the thread).
    Body edits are kept in PostRevision, for moderators.
    """

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="posts")
    thread = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_anonymous = models.BooleanField(default=False)
    title = models.CharField(_("title"), max_length=160, blank=True)
    body = models.TextField(_("message"), max_length=10000)
    content_warning = models.CharField(_("content warning"), max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    # Thread-only fields.
    pinned_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    reply_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["group", "thread", "last_activity_at"]),
            models.Index(fields=["thread", "id"]),
        ]

    def __str__(self):
        return f"post #{self.pk}"

    @property
    def is_thread(self) -> bool:
        return self.thread_id is None

    @property
    def root_id(self) -> int:
        return self.thread_id or self.pk


class PostRevision(models.Model):
    """The text a post had before an edit or a deletion; read by moderators only."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=160, blank=True)
    body = models.TextField()
    content_warning = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"revision #{self.pk}"


class Reaction(models.Model):
    """A supportive reaction from a small fixed set. Only counts are ever shown."""

    class Kind(models.TextChoices):
        SUPPORT = "support", _("Sending support")
        ME_TOO = "me_too", _("Me too")
        STRENGTH = "strength", _("Stay strong")
        THANKS = "thanks", _("Thank you")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="reaction_unique"),
        ]

    def __str__(self):
        return f"reaction #{self.pk}"


class ThreadVisit(models.Model):
    """When a member last opened a thread: what the group's thread list compares the thread's
    replies with to mark it "New" or "N new replies" for them. The member's own state: read
    for their lists only, never shown to anyone else, in their data export, gone with their
    account or the thread (docs/decisions/0074-lists-that-scan-read-state.md)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="visits")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="thread_visit_unique"),
        ]

    def __str__(self):
        return f"thread visit #{self.pk}"
