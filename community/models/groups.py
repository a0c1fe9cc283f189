import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_group_slug() -> str:
    # Unguessable: a private group's URL must not be found by trying names or numbers.
    return secrets.token_urlsafe(9)


class Group(models.Model):
    class Visibility(models.TextChoices):
        LISTED = "listed", _("Listed in the directory")
        UNLISTED = "unlisted", _("Unlisted: members and invitees only")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Anyone can join")
        REQUEST = "request", _("Ask to join; a moderator approves")
        INVITE = "invite", _("By invitation only")

    class HistoryPolicy(models.TextChoices):
        EVERYTHING = "everything", _("Newcomers see everything")
        SINCE_JOINING = "since_joining", _("Newcomers see only what was posted after they joined")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        ARCHIVED = "archived", _("Archived")

    slug = models.CharField(max_length=24, unique=True, default=new_group_slug, editable=False)
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    rules = models.TextField(_("group rules"), max_length=5000, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=Visibility.choices, default=Visibility.LISTED
    )
    join_policy = models.CharField(
        _("join policy"), max_length=12, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    history_policy = models.CharField(
        _("history for newcomers"),
        max_length=16,
        choices=HistoryPolicy.choices,
        default=HistoryPolicy.EVERYTHING,
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    # Words or phrases the group's moderators ask everyone to be careful with here (a
    # company's name, a site): the "before you send" check warns on them. One per line.
    watched_words = models.TextField(_("watched words"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    tags = models.ManyToManyField("community.Tag", blank=True, related_name="groups")
    # Who proposed or created it: seen by staff only, never by members.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Staff's answer to a proposal; the reason is sent to the proposer.
    decision_reason = models.TextField(blank=True, max_length=1000)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "visibility", "name"])]

    def __str__(self):
        return self.name

    @property
    def channel_group_name(self) -> str:
        """Channel-layer group for this group's live events; never built from raw input."""
        return f"group.{self.pk}"


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        MODERATOR = "moderator", _("Moderator")
        OWNER = "owner", _("Owner")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        ACTIVE = "active", _("Active")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")
        BANNED = "banned", _("Banned")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    # When the member accepted the site code of conduct and this group's rules, to join.
    rules_accepted_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="membership_unique_per_group"),
        ]
        indexes = [models.Index(fields=["user", "state"]), models.Index(fields=["group", "state"])]

    def __str__(self):
        return f"membership #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def is_moderator(self) -> bool:
        return self.is_active and self.role in (self.Role.MODERATOR, self.Role.OWNER)


class Tag(models.Model):
    """A topic a group is about, for the directory's filter."""

    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class GroupInvite(models.Model):
    """An invite link: expiring, limited-use and revocable. Whoever made it is never shown
    to the person who follows it."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=48, unique=True, default=new_invite_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=1)
    use_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["group", "revoked_at"])]

    def __str__(self):
        return f"invite #{self.pk}"

    def is_usable(self, *, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now and self.use_count < self.max_uses
