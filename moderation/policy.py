"""Site-wide moderation constants: the limits group moderators tune within."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _


class Reason:
    HARASSMENT = "harassment"
    HATE = "hate"
    THREAT = "threat"
    DOXXING = "doxxing"
    SELF_HARM = "self_harm"
    SPAM = "spam"
    RETALIATION = "retaliation"
    OTHER = "other"

    CHOICES = [
        (HARASSMENT, _("Harassment")),
        (HATE, _("Hate")),
        (THREAT, _("Threat")),
        (DOXXING, _("Identity exposure (doxxing)")),
        (SELF_HARM, _("Someone may be at risk of self-harm")),
        (SPAM, _("Spam")),
        (RETALIATION, _("Retaliation against someone who spoke up")),
        (OTHER, _("Something else")),
    ]


# How much one flag of each reason weighs in an item's priority score.
REASON_SEVERITY = {
    Reason.THREAT: 5.0,
    Reason.SELF_HARM: 5.0,
    Reason.DOXXING: 4.0,
    Reason.RETALIATION: 4.0,
    Reason.HATE: 3.0,
    Reason.HARASSMENT: 3.0,
    Reason.OTHER: 1.5,
    Reason.SPAM: 1.0,
}

# Auto-hide: an item whose score reaches the threshold is hidden pending review.
AUTO_HIDE_THRESHOLD_DEFAULT = 8.0
AUTO_HIDE_THRESHOLD_MIN = 4.0
AUTO_HIDE_THRESHOLD_MAX = 30.0

APPEAL_WINDOW = timedelta(days=14)
MEMBER_HISTORY_WINDOW = timedelta(days=90)
