from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "target"], name="block_unique_pair"),
        ]

    def __str__(self):
        return f"block #{self.pk}"
