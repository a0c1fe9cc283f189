import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.encryption import EncryptedTextField


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def new_avatar_seed() -> str:
    return secrets.token_hex(16)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. It holds no real name at all: people are known by their Profile's pseudonym.

    The email is for signing in and neutral notices only; it is never shown to anyone else.
    """

    email = models.EmailField(_("email address"), unique=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_site_moderator = models.BooleanField(_("site moderator"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self):
        # Never the email: this string ends up in admin lists, logs and error pages.
        return f"account #{self.pk}"


class DirectMessagePolicy(models.TextChoices):
    GROUP_MEMBERS = "group_members", _("Everyone in my groups")
    ADVOCATES = "advocates", _("Advocates only")
    NOBODY = "nobody", _("Nobody")


class UnfamiliarRequestPolicy(models.TextChoices):
    """What happens to a message request from an account younger than
    KINDRED_MESSAGE_REQUEST_MIN_ACCOUNT_AGE, or from someone who shares no group with the
    member (docs/decisions/0009-message-requests.md)."""

    FILTERED = "filtered", _("Put them in a separate list of filtered requests, without a notice")
    REFUSE = "refuse", _("Refuse them")


class Profile(models.Model):
    """The only face a member shows to anyone else."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    pseudonym = models.CharField(_("pseudonym"), max_length=30)
    pronouns = models.CharField(_("pronouns"), max_length=30, blank=True)
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    avatar_seed = models.CharField(max_length=32, default=new_avatar_seed, editable=False)
    dm_policy = models.CharField(
        _("who may message me"),
        max_length=20,
        choices=DirectMessagePolicy.choices,
        default=DirectMessagePolicy.GROUP_MEMBERS,
    )
    unfamiliar_requests = models.CharField(
        _("message requests from new accounts, or from people who share no group with me"),
        max_length=10,
        choices=UnfamiliarRequestPolicy.choices,
        default=UnfamiliarRequestPolicy.FILTERED,
    )
    appear_offline = models.BooleanField(_("appear offline"), default=False)
    # The "using this site on a device someone else may check" notice shows on the home page
    # from the first sign-in until the member dismisses it.
    safer_device_notice_dismissed_at = models.DateTimeField(null=True, blank=True)
    # Where the member's phone numbers are written without a country code (ISO 3166 code);
    # empty: the site's default (KINDRED_PHONE_REGION). Used by the "before you send" check.
    phone_region = models.CharField(_("phone numbers region"), max_length=2, blank=True)
    # How the member reads dates (an IANA zone such as "Europe/Madrid"; empty: the browser's,
    # else UTC) and which language the site speaks to them (a code from LANGUAGES; empty: the
    # browser's). Both are the member's own settings, shown to nobody else.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("pseudonym"), name="profile_pseudonym_unique_ci"),
        ]

    def __str__(self):
        return self.pseudonym


class IdentifyingWords(models.Model):
    """A member's private list of "words that identify me" (employer, team, office, manager,
    city): the "before you send" check warns when they write one. Encrypted at rest like the
    journal, shown to nobody else, absent from the admin, never logged."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")
    words = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"identifying words #{self.pk}"


class SignInAttempt(models.Model):
    """One sign-in to an existing account, successful or not, for the member's own activity
    page. It keeps the time and a coarse device label ("Firefox on Windows") only: never the
    IP address, never the full user agent (docs/decisions/0008-sign-in-activity-and-lockout.md).
    Attempts at addresses with no account leave no row."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("Signed in")
        FAILED = "failed", _("Wrong password or code")
        LOCKED = "locked", _("Refused: signing in was paused")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    device = models.CharField(max_length=40)

    class Meta:
        indexes = [models.Index(fields=["user", "-at"], name="sign_in_attempt_user_at_idx")]

    def __str__(self):
        return f"sign-in attempt #{self.pk}"
