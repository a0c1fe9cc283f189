"""Matching escrow (issue 16, docs/decisions/0080-matching-escrow.md).

What the server keeps of a matching entry cannot identify anyone on its own: the match index π
(HKDF of the OPRF output, which only the escrow's key could recompute from an identifier), one
sealed blob per matching counsellor (the share and the encrypted record, openable only by that
counsellor's private key, which stays in their browser), the owner and the times.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

INDEX_HEX_LENGTH = 64  # π: 32 bytes


class MatchingCounsellor(models.Model):
    """A verified legal advocate whom staff designated to open matches. Their public key
    (X25519, 32 bytes, base64) is set from their browser; the private key never arrives."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matching_counsellor"
    )
    public_key = models.CharField(_("public key"), max_length=64, blank=True)
    key_set_at = models.DateTimeField(null=True, blank=True)
    designated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("matching counsellor")
        verbose_name_plural = _("matching counsellors")

    def __str__(self):
        return f"matching counsellor #{self.pk}"


class MatchingEntry(models.Model):
    """One identifier a member named, as the server may know it: π and the sealed blobs."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matching_entries"
    )
    index = models.CharField(max_length=INDEX_HEX_LENGTH, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("matching entry")
        verbose_name_plural = _("matching entries")
        constraints = [
            models.UniqueConstraint(fields=["owner", "index"], name="matching_entry_once")
        ]

    def __str__(self):
        return f"matching entry #{self.pk}"


class SealedShare(models.Model):
    """An entry's (x, y, encrypted record), sealed to one counsellor's public key."""

    entry = models.ForeignKey(MatchingEntry, on_delete=models.CASCADE, related_name="sealed")
    counsellor = models.ForeignKey(
        MatchingCounsellor, on_delete=models.CASCADE, related_name="sealed_shares"
    )
    # The public key it was sealed to: after a key change, the counsellor knows which blobs
    # their new key cannot open.
    sealed_to = models.CharField(max_length=64)
    blob = models.TextField(max_length=4000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "counsellor"], name="sealed_share_once")
        ]

    def __str__(self):
        return f"sealed share #{self.pk}"


class MatchingMatch(models.Model):
    """Two or more entries with one π from different accounts. Only matching counsellors
    learn of it; the members are never told (that would let anyone test a name)."""

    index = models.CharField(max_length=INDEX_HEX_LENGTH, unique=True)
    detected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")

    def __str__(self):
        return f"match #{self.pk}"
