import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Reaction


class Conversation(models.Model):
    """One model for every real-time conversation: a group's live room, a direct message
    thread between two members, or the private thread of a support request."""

    class Kind(models.TextChoices):
        ROOM = "room", _("Live room")
        DIRECT = "direct", _("Direct messages")
        SUPPORT = "support", _("Support request thread")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    group = models.OneToOneField(
        "community.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="room",
    )
    # A support request's private thread (kind SUPPORT); the request stays community's.
    support_request = models.OneToOneField(
        "community.SupportRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversation",
    )
    # Room host controls (moderation/ changes these through its services).
    locked = models.BooleanField(default=False)
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    links_restricted = models.BooleanField(default=False)
    # "<low user id>:<high user id>" for direct conversations, so two members share exactly one
    # thread even when both write first at the same moment.
    direct_key = models.CharField(max_length=41, null=True, blank=True, unique=True)
    # The conversation's stream position: every new message and every change to one takes the
    # next value under this row's lock, in the transaction that writes it, so positions
    # increase in commit order (docs/protocol.md, "Sequence").
    last_seq = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self):
        return f"conversation #{self.pk}"

    @property
    def channel_group_name(self) -> str:
        """Channel-layer group for this conversation; never built from raw input."""
        return f"conversation.{self.pk}"


class ConversationParticipant(models.Model):
    """Who takes part in a direct or support conversation (rooms go by group membership)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Message request")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_parts"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACCEPTED)
    # The stream position up to which this member has read (unread counts).
    last_read_seq = models.BigIntegerField(default=0)
    # A message request (state REQUESTED) from a new account or someone who shares no group
    # with this member waits in their filtered list, without a notice (decision 0009).
    filtered = models.BooleanField(default=False)
    # When the current request was made (a declined sender may ask again after the cooldown),
    # and when this member declined it.
    requested_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="participant_unique_per_conversation"
            ),
        ]

    def __str__(self):
        return f"participant #{self.pk}"


class Message(models.Model):
    """A chat message. Committed before it is broadcast. `seq` is its place in the
    conversation (commit order, the order everyone sees); `changed_seq` is the stream position
    of its latest state (equal to `seq` until it is edited, deleted, hidden or redacted), so a
    resuming client receives exactly what changed after the position it holds."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=4000)
    # Shown first; the body stays folded until the reader opens it (docs/protocol.md).
    content_warning = models.CharField(max_length=200, blank=True, default="")
    # Reaction counts by kind ({"me_too": 2}); who reacted is in MessageReaction, never sent.
    # Kept on the row so that every frame, page and resume carries them without a query.
    reactions = models.JSONField(null=True, blank=True)
    # The public ids of the room members this message mentions (@Pseudonym), as every frame
    # carries them; None (old rows) reads as none. Who was told is in Mention.
    mentions = models.JSONField(null=True, blank=True)
    # Chosen by the sending client, so a resent message is stored once.
    client_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Hidden by moderation (pending review or decided); shown as a tombstone.
    hidden_at = models.DateTimeField(null=True, blank=True)
    # Sent by a site moderator who is not a member of the room's group: shown as "a moderator".
    as_moderator = models.BooleanField(default=False)
    seq = models.BigIntegerField()
    changed_seq = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "sender", "client_id"], name="message_client_id_unique"
            ),
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
        ]
        indexes = [
            models.Index(fields=["conversation", "changed_seq"], name="message_changed_seq_idx")
        ]

    def __str__(self):
        return f"message #{self.pk}"


class MessageReaction(models.Model):
    """One member's supportive reaction to a chat message, from the same small set as posts'.
    Only counts are ever shown (Message.reactions); this row is for "mine" and for undoing."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reaction_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Reaction.Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "kind"], name="message_reaction_unique"
            ),
        ]

    def __str__(self):
        return f"message reaction #{self.pk}"


class Mention(models.Model):
    """One member mentioned in one room message: told once (a notification), counted among
    their unread messages until they read past it. An edit that drops the mention makes it
    inactive rather than deleting it, so adding it back tells nobody twice."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mention_rows")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="mention_unique_per_message"),
        ]
        indexes = [models.Index(fields=["user", "active"], name="mention_user_active_idx")]

    def __str__(self):
        return f"mention #{self.pk}"


class ChatAnnouncements(models.TextChoices):
    """What a screen reader announces of new messages on a conversation page."""

    ALL = "all", _("Every new message")
    MENTIONS = "mentions", _("Only mentions of me and direct messages")
    OFF = "off", _("Nothing")


class Notification(models.Model):
    """An in-app notice for one member. Its text never names a moderator or a flagger."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return f"notification #{self.pk}"


class NotificationPreferences(models.Model):
    """What one member hears about, and how much the bell says. In-app only: Kindred sends no
    notification email or push. Without a row, the defaults hold (every kind on, no details)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    # Off by default: the bell and live notices say only "New activity", so a glance at the
    # screen or the tab tells nobody who wrote or what about.
    show_details = models.BooleanField(
        _("Show who and what in the bell and live notices"), default=False
    )
    mentions = models.BooleanField(_("Mentions of you"), default=True)
    direct_messages = models.BooleanField(_("Direct messages and message requests"), default=True)
    replies = models.BooleanField(_("Replies to your threads"), default=True)
    # Outcomes of the member's reports and appeals; a sanction or a hidden post of theirs is
    # always told.
    moderation = models.BooleanField(_("Outcomes of your reports and appeals"), default=True)
    support = models.BooleanField(_("Support requests and shared records"), default=True)
    chat_announcements = models.CharField(
        _("Screen reader announcements in conversations"),
        max_length=10,
        choices=ChatAnnouncements.choices,
        default=ChatAnnouncements.ALL,
    )

    def __str__(self):
        return f"notification preferences #{self.pk}"


def new_call_token() -> str:
    """A call's id and a participant's peer id: random, never derived from anything else."""
    return secrets.token_urlsafe(18)


class Call(models.Model):
    """A voice or video call in a group's room (a circle call) or in a support thread (a
    private call). WebRTC media never passes through Kindred's processes: it goes through the
    TURN relay; the chat socket carries the signalling (docs/protocol.md, "Calls"). Everything
    about a call is reached by its `public_id`, and only through the conversation's access
    check."""

    class Kind(models.TextChoices):
        CIRCLE = "circle", _("Circle call")
        PRIVATE = "private", _("Private call")

    class Media(models.TextChoices):
        VOICE = "voice", _("Voice only")
        VIDEO = "video", _("Voice and video")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    public_id = models.CharField(max_length=32, unique=True, default=new_call_token, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    media = models.CharField(max_length=10, choices=Media.choices)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="calls")
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    # Nobody new may join; those already admitted may come back after a dropped connection.
    locked = models.BooleanField(default=False)
    # Newcomers wait until the host admits them (on by default for circle calls).
    waiting_room = models.BooleanField(default=True)
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"],
                condition=models.Q(state="active"),
                name="call_one_active_per_conversation",
            ),
        ]

    def __str__(self):
        return f"call #{self.pk}"

    @property
    def channel_group_name(self) -> str:
        """Channel-layer group of the sockets in this call; never built from raw input."""
        return f"call.{self.pk}"


class CallParticipant(models.Model):
    """One member's place in one call. `peer_id` is how the call's frames name them (random,
    per call: it says nothing about their profile). `channel_name` is the socket that is in the
    call now ("" when none): signalling is relayed to it and to nothing else."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting to be admitted")
        ADMITTED = "admitted", _("In the call")
        LEFT = "left", _("Left")
        TURNED_AWAY = "turned_away", _("Turned away")
        REMOVED = "removed", _("Removed")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    peer_id = models.CharField(max_length=32, unique=True, default=new_call_token, editable=False)
    # How the call shows them: the pseudonym, a support thread's alias, or "Moderator"; and
    # their profile's avatar seed, or "" where the conversation does not show their profile.
    display_name = models.CharField(max_length=64)
    avatar_seed = models.CharField(max_length=32, blank=True, default="")
    state = models.CharField(max_length=12, choices=State.choices, default=State.WAITING)
    was_admitted = models.BooleanField(default=False)
    # Host controls: off means the server relays no offer of theirs that sends that medium.
    may_use_mic = models.BooleanField(default=True)
    may_use_video = models.BooleanField(default=True)
    may_share_screen = models.BooleanField(default=False)
    # Whether the host may hand them the call (messaging.permissions.may_host_call), as of
    # their joining; handing it over checks again.
    may_host = models.BooleanField(default=False)
    channel_name = models.CharField(max_length=200, blank=True, default="")
    joined_at = models.DateTimeField(default=timezone.now, editable=False)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="call_participant_unique"),
        ]

    def __str__(self):
        return f"call participant #{self.pk}"


class CallEvent(models.Model):
    """What happened in a call that its participants saw (a removal, a mute, the end): what a
    participant saves to their journal afterwards. Host actions are also in moderation's audit
    log; this is the participants' own view of them, by display name only."""

    class Kind(models.TextChoices):
        STARTED = "started", _("Call started")
        ADMITTED = "admitted", _("Admitted")
        TURNED_AWAY = "turned_away", _("Turned away")
        LOCKED = "locked", _("Call locked")
        UNLOCKED = "unlocked", _("Call unlocked")
        MUTED = "muted", _("Microphone muted by the host")
        ASKED_TO_UNMUTE = "asked_to_unmute", _("Asked to unmute")
        VIDEO_STOPPED = "video_stopped", _("Video stopped by the host")
        VIDEO_ALLOWED = "video_allowed", _("Video allowed again")
        SCREEN_ALLOWED = "screen_allowed", _("Screen sharing allowed")
        SCREEN_DISALLOWED = "screen_disallowed", _("Screen sharing turned off")
        REMOVED = "removed", _("Removed from the call")
        HOST_HANDED = "host_handed", _("Host role handed over")
        ENDED = "ended", _("Call ended")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject_name = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self):
        return f"call event #{self.pk}"
