"""Advocates (trained, staff-verified helpers) and the support requests members send them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The languages an advocate can offer and a member can ask for. A short fixed list keeps the
# directory filter exact; staff extend it here when a translator joins.
SUPPORT_LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("de", _("German")),
    ("pt", _("Portuguese")),
    ("it", _("Italian")),
    ("nl", _("Dutch")),
    ("pl", _("Polish")),
    ("hi", _("Hindi")),
    ("zh", _("Chinese")),
    ("ar", _("Arabic")),
    ("uk", _("Ukrainian")),
]


class Specialty(models.Model):
    """Counselling, legal and career are seeded; staff add more (e.g. workplace investigation)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("specialties")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language: the seeded specialties' names are in the
        catalogue (community/demo/library.py); one staff added reads as they wrote it."""
        return gettext(self.name)


class AdvocateProfile(models.Model):
    """An application to be an advocate, and once verified, the advocate's directory entry."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Application under review")
        VERIFIED = "verified", _("Verified")
        DECLINED = "declined", _("Declined")
        SUSPENDED = "suspended", _("Suspended")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advocate_profile"
    )
    specialties = models.ManyToManyField(Specialty, related_name="advocates")
    credentials = models.TextField(_("training and credentials"), max_length=3000)
    # Stored as ",en,es," so "offers Spanish" is one exact `contains` lookup on every database.
    languages = models.CharField(_("languages"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64)
    public_bio = models.TextField(_("public bio"), max_length=1500)
    capacity = models.PositiveSmallIntegerField(
        _("open requests I can hold at once"),
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        default=3,
    )
    accepting_requests = models.BooleanField(_("taking requests now"), default=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.APPLIED)
    decision_reason = models.TextField(_("reason given to the applicant"), blank=True)
    applied_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        indexes = [models.Index(fields=["status", "accepting_requests"])]

    def __str__(self):
        return f"advocate #{self.pk}"

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    @property
    def language_names(self) -> list[str]:
        names = dict(SUPPORT_LANGUAGES)
        return [str(names.get(code, code)) for code in self.language_codes]

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED


class PendingSpecialty(models.Model):
    """A specialty a verified advocate added to their entry, waiting for staff approval.

    Until staff approve it, it is not among `AdvocateProfile.specialties`: the directory does
    not list the advocate under it and its pool stays closed to them, as for any advocate who
    does not offer it (services/advocates.py `approve_specialty`)."""

    advocate = models.ForeignKey(
        AdvocateProfile, on_delete=models.CASCADE, related_name="pending_specialties"
    )
    specialty = models.ForeignKey(Specialty, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("specialty waiting for approval")
        verbose_name_plural = _("specialties waiting for approval")
        constraints = [
            models.UniqueConstraint(
                fields=["advocate", "specialty"], name="pending_specialty_once"
            ),
        ]

    def __str__(self):
        return f"pending specialty #{self.pk}"


class SupportRequest(models.Model):
    """A member asking for help: addressed to one advocate, or (advocate empty) to the pool
    of a specialty where any available advocate of it can accept."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an advocate")
        ACCEPTED = "accepted", _("Accepted")
        RESOLVED = "resolved", _("Resolved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Within a few days")
        SOON = "soon", _("Within a day")
        URGENT = "urgent", _("Urgent")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_requests"
    )
    advocate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_support_requests",
    )
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="requests")
    summary = models.TextField(_("short summary"), max_length=2000)
    language = models.CharField(_("preferred language"), max_length=8, choices=SUPPORT_LANGUAGES)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    # Shown to advocates instead of the pseudonym when set; unique per request so that two
    # requests from one member cannot be linked by it.
    alias = models.CharField(_("alias for this request"), max_length=40, blank=True)
    mentions_self_harm = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Its private thread, once accepted, is messaging's: `support_request.conversation`
    # (messaging.Conversation.support_request points here).
    created_at = models.DateTimeField(default=timezone.now)
    # When it last landed with its current addressee (an advocate or the pool): the clock
    # escalation runs on.
    routed_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Who answered first; stays when the request is handed over, for response-time medians.
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    escalated_to_pool_at = models.DateTimeField(null=True, blank=True)
    flagged_for_staff_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "specialty", "advocate"]),
            models.Index(fields=["advocate", "status"]),
            models.Index(fields=["member", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["alias"], condition=~models.Q(alias=""), name="support_alias_unique"
            ),
        ]

    def __str__(self):
        return f"support request #{self.pk}"

    @property
    def is_in_pool(self) -> bool:
        return self.status == self.Status.OPEN and self.advocate_id is None


class SupportRequestEvent(models.Model):
    """One timestamped change in a request's life, shown to both sides."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Request sent")
        ACCEPTED = "accepted", _("Accepted by an advocate")
        HANDED_OVER = "handed_over", _("Handed over to another advocate")
        ESCALATED_TO_POOL = (
            "escalated_to_pool",
            _("Not answered in time: opened to all advocates of the specialty"),
        )
        FLAGGED_FOR_STAFF = "flagged_for_staff", _("Still unanswered: staff were alerted")
        RESOLVED = "resolved", _("Marked resolved")
        WITHDRAWN = "withdrawn", _("Withdrawn by the member")

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"support event #{self.pk}"


class SupportFeedback(models.Model):
    """The member's private rating of a resolved request; staff alone read it."""

    request = models.OneToOneField(
        SupportRequest, on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=2000)
    # Whom the feedback is about: the advocate who held the request when it was resolved, not
    # `request.accepted_by` (who answered first, and may have handed it over since).
    advocate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("advocate credited"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("support feedback")

    def __str__(self):
        return f"feedback #{self.pk}"
