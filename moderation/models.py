from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation.policy import AUTO_HIDE_THRESHOLD_DEFAULT, Reason


class Block(models.Model):
    """A member's own safety tool against another member.

    block: the target cannot DM the owner or see their profile, and the target's content is
    hidden from the owner everywhere. mute: the target's content is hidden, silently.
    Neither is ever shown to the target.
    """

    class Kind(models.TextChoices):
        BLOCK = "block", _("Block")
        MUTE = "mute", _("Mute")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "target"], name="block_unique_pair"),
        ]

    def __str__(self):
        return f"block #{self.pk}"


class GroupModerationSettings(models.Model):
    """What a group's moderators tune, within the site limits in moderation/policy.py."""

    group = models.OneToOneField(
        "community.Group", on_delete=models.CASCADE, related_name="moderation_settings"
    )
    auto_hide_threshold = models.FloatField(default=AUTO_HIDE_THRESHOLD_DEFAULT)

    def __str__(self):
        return f"moderation settings #{self.pk}"


class ReviewItem(models.Model):
    """One piece of flagged content in the review queue: one row per content object, reopened
    when it is flagged again after a decision. `content_kind` is a key of
    moderation/flaggables.py."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        RESOLVED = "resolved", _("Reviewed")

    class Decision(models.TextChoices):
        KEEP = "keep", _("Keep")
        HIDE = "hide", _("Hide")
        DELETE = "delete", _("Delete")
        REDACT = "redact", _("Redact")

    content_kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    group = models.ForeignKey(
        "community.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    score = models.FloatField(default=0)
    urgent = models.BooleanField(default=False)  # a self-harm flag: top of the queue
    auto_hidden = models.BooleanField(default=False)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    snapshot = models.TextField(blank=True)  # the content as it was when first flagged
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    opened_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_kind", "object_id"], name="review_item_unique_content"
            ),
        ]
        indexes = [models.Index(fields=["status", "-urgent", "-score"])]

    def __str__(self):
        return f"review item #{self.pk}"


class Flag(models.Model):
    """One member's report on one item. Its flagger is shown to site moderators only."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        UPHELD = "upheld", _("Action taken")
        DISMISSED = "dismissed", _("No action")

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags_made"
    )
    reason = models.CharField(max_length=20, choices=Reason.CHOICES)
    details = models.TextField(max_length=1000, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "flagger"], name="flag_one_per_member_item"),
        ]
        indexes = [models.Index(fields=["flagger", "outcome"])]

    def __str__(self):
        return f"flag #{self.pk}"


class Sanction(models.Model):
    class Kind(models.TextChoices):
        WARN = "warn", _("Warning")
        MUTE = "mute", _("Mute in a group")
        REMOVE = "remove", _("Removal from a group")
        BAN = "ban", _("Ban from a group")
        SUSPEND = "suspend", _("Site-wide suspension")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    group = models.ForeignKey(
        "community.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(max_length=1000)
    ends_at = models.DateTimeField(null=True, blank=True)
    item = models.ForeignKey(
        ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="sanctions"
    )
    # Kept for the appeal rule (a different moderator decides); never shown to the member.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Imposed through an anonymous post (decision 0012): only site moderators may see whom it
    # names, so group moderators never meet it in appeals, member history or the audit log.
    is_anonymous = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "group", "kind"])]

    def __str__(self):
        return f"sanction #{self.pk}"

    @property
    def is_active(self) -> bool:
        if self.lifted_at is not None:
            return False
        return self.ends_at is None or self.ends_at > timezone.now()


class Appeal(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        GRANTED = "granted", _("Granted: the sanction is lifted")
        DENIED = "denied", _("Denied: the sanction stands")

    sanction = models.OneToOneField(Sanction, on_delete=models.CASCADE, related_name="appeal")
    text = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"appeal #{self.pk}"


class AuditLogImmutable(Exception):
    pass


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogImmutable("Audit log entries cannot be changed.")

    def delete(self):
        raise AuditLogImmutable("Audit log entries cannot be deleted.")


class AuditLogEntry(models.Model):
    """Append-only record of every moderation action.

    Plain ids (no foreign keys), so deleting an account or a group never cascades into the
    log; pseudonyms are snapshotted for reading. save() on an existing row, delete(), and
    queryset update()/delete() raise; database triggers (migration 0003) refuse UPDATE (and
    DELETE on PostgreSQL) underneath the ORM as well.
    """

    class Action(models.TextChoices):
        FLAG = "flag", _("Flagged")
        AUTO_HIDE = "auto_hide", _("Hidden automatically pending review")
        KEEP = "keep", _("Kept (flags dismissed)")
        HIDE = "hide", _("Hidden")
        DELETE = "delete", _("Deleted")
        REDACT = "redact", _("Redacted")
        WARN = "warn", _("Warned")
        MUTE = "mute", _("Muted")
        REMOVE = "remove", _("Removed from group")
        BAN = "ban", _("Banned from group")
        SUSPEND = "suspend", _("Suspended")
        LIFT = "lift", _("Sanction ended")
        APPEAL = "appeal", _("Appealed")
        APPEAL_GRANTED = "appeal_granted", _("Appeal granted")
        APPEAL_DENIED = "appeal_denied", _("Appeal denied")
        LOCK_ROOM = "lock_room", _("Room locked")
        UNLOCK_ROOM = "unlock_room", _("Room unlocked")
        SLOW_MODE = "slow_mode", _("Slow mode changed")
        RESTRICT_LINKS = "restrict_links", _("Links restricted to moderators")
        ALLOW_LINKS = "allow_links", _("Links allowed for everyone")
        THRESHOLD = "threshold", _("Auto-hide threshold changed")
        UNHIDE = "unhide", _("Shown again")
        PIN = "pin", _("Thread pinned")
        UNPIN = "unpin", _("Thread unpinned")
        LOCK = "lock", _("Thread locked")
        UNLOCK = "unlock", _("Thread unlocked")
        CALL_ADMIT = "call_admit", _("Admitted to a call")
        CALL_TURN_AWAY = "call_turn_away", _("Turned away from a call")
        CALL_LOCK = "call_lock", _("Call locked")
        CALL_UNLOCK = "call_unlock", _("Call unlocked")
        CALL_MUTE = "call_mute", _("Muted in a call")
        CALL_ASK_UNMUTE = "call_ask_unmute", _("Asked to unmute in a call")
        CALL_STOP_VIDEO = "call_stop_video", _("Video stopped in a call")
        CALL_ALLOW_VIDEO = "call_allow_video", _("Video allowed in a call")
        CALL_ALLOW_SCREEN = "call_allow_screen", _("Screen sharing allowed in a call")
        CALL_STOP_SCREEN = "call_stop_screen", _("Screen sharing stopped in a call")
        CALL_REMOVE = "call_remove", _("Removed from a call")
        CALL_END = "call_end", _("Call ended for all")
        CALL_HAND_HOST = "call_hand_host", _("Call host role handed over")

    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor_id = models.BigIntegerField(null=True)  # None: the system (auto-hide)
    actor_pseudonym = models.CharField(max_length=30, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    target_kind = models.CharField(max_length=20)  # a flaggable kind, "user", "room", "group"
    target_id = models.BigIntegerField()
    target_user_id = models.BigIntegerField(null=True)
    target_pseudonym = models.CharField(max_length=30, blank=True)
    group_id = models.BigIntegerField(null=True, db_index=True)
    reason = models.TextField(blank=True)
    snapshot = models.TextField(blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_user_id", "created_at"])]

    def __str__(self):
        return f"audit #{self.pk}"

    def save(self, *args, **kwargs):
        # The one exception to "no logic in save()": immutability must hold for every caller.
        if not self._state.adding:
            raise AuditLogImmutable("Audit log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogImmutable("Audit log entries cannot be deleted.")

    def clean(self):
        if not self._state.adding:
            raise ValidationError(_("Audit log entries cannot be changed."))
