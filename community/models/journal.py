"""The private incident journal (DESIGN.md invariant 8).

Every piece of text, every date and every evidence hash is encrypted at rest; the database
holds only ids, version numbers, server timestamps and the chain hashes. An entry's content
lives in immutable versions: an edit adds a version, and every version is one link of the
owner's hash chain (community/services/journal.py builds and verifies it).

None of these models is registered in the admin, on purpose.
"""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.encryption import EncryptedTextField, encrypt_text


def new_journal_public_id() -> str:
    return secrets.token_urlsafe(12)


class EncryptedDateField(EncryptedTextField):
    """A date stored as an encrypted ISO string: when something happened is as private as
    what happened. Not comparable in SQL; selectors filter in Python."""

    description = "Date encrypted with the project's field-encryption keys"

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        return datetime.date.fromisoformat(value) if value else None

    def to_python(self, value):
        if isinstance(value, datetime.date) or value in (None, ""):
            return value or None
        return datetime.date.fromisoformat(value)

    def get_prep_value(self, value):
        # Not through super(): TextField.get_prep_value would call to_python() and turn the
        # ISO string back into a date before encryption.
        if value is None or value == "":
            return value
        if isinstance(value, datetime.date):
            value = value.isoformat()
        return encrypt_text(value)


class IncidentChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO_CALL = "video_call", _("Video call")
    CHAT = "chat", _("Chat")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    SOCIAL_MEDIA = "social_media", _("Social media")
    OTHER = "other", _("Other")


class JournalEntry(models.Model):
    """One incident. Its content is its newest version (`current_version`)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    public_id = models.CharField(
        max_length=32, unique=True, default=new_journal_public_id, editable=False
    )
    # Server time, never what the client says.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    current_version = models.OneToOneField(
        "JournalVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        # Never the title: this string can reach logs and error pages.
        return f"journal entry #{self.pk}"


class JournalVersion(models.Model):
    """An immutable snapshot of an entry and one link of its owner's hash chain."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # Position in the owner's chain (1, 2, ...) across all entries and versions.
    chain_position = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    title = EncryptedTextField(_("short title"))
    occurred_on = EncryptedDateField(_("date it happened"))
    occurred_time = EncryptedTextField(_("time it happened"), blank=True)
    date_is_approximate = models.BooleanField(_("the date is approximate"), default=False)
    channel = EncryptedTextField(_("how it happened"))
    place = EncryptedTextField(_("place or meeting details"), blank=True)
    people_involved = EncryptedTextField(_("people involved"), blank=True)
    witnesses = EncryptedTextField(_("witnesses"), blank=True)
    what_happened = EncryptedTextField(_("what happened"))
    effect = EncryptedTextField(_("how it affected you"), blank=True)
    actions_taken = EncryptedTextField(_("what you did next"), blank=True)
    retaliation_for = models.ForeignKey(
        JournalEntry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("retaliation for an earlier entry"),
    )

    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["entry_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="journal_version_unique"),
        ]
        indexes = [models.Index(fields=["chain_position"])]

    def __str__(self):
        return f"journal version #{self.pk}"

    def get_channel_display(self) -> str:
        return dict(IncidentChannel.choices).get(self.channel, self.channel)


class JournalEvidence(models.Model):
    """An attachment. The file is Fernet-encrypted under MEDIA_ROOT/journal/<stored_name>,
    a random name; the SHA-256 is of the stored (metadata-free) plaintext."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        PDF = "pdf", _("PDF")
        TEXT = "text", _("Plain text")

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="evidence")
    added_in_version = models.ForeignKey(
        JournalVersion, on_delete=models.CASCADE, related_name="added_evidence"
    )
    public_id = models.CharField(
        max_length=32, unique=True, default=new_journal_public_id, editable=False
    )
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    original_name = EncryptedTextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"journal evidence #{self.pk}"


class JournalReminder(models.Model):
    """A date the member chose (say, a deadline an advocate mentioned). The app asserts none."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_reminders"
    )
    due_on = EncryptedDateField(_("date"))
    note = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"journal reminder #{self.pk}"


class JournalShare(models.Model):
    """One entry shared read-only into one support request, until the owner revokes it
    (revoking deletes the row: the advocate's access ends with it)."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="shares")
    support_request = models.ForeignKey(
        "community.SupportRequest", on_delete=models.CASCADE, related_name="journal_shares"
    )
    public_id = models.CharField(
        max_length=32, unique=True, default=new_journal_public_id, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "support_request"], name="journal_share_unique"
            ),
        ]

    def __str__(self):
        return f"journal share #{self.pk}"
