"""Domain errors of messaging. Each carries a stable `code` that the consumer sends to the
client in an error frame (docs/protocol.md lists them) and a translated message."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class MessagingDenied(PermissionDenied):
    """An action refused for a reason the actor may know (limits, locks, windows)."""

    code = "forbidden"
    default_message = _("You cannot do that here.")

    def __init__(self, code: str | None = None, message=None, *, retry_after: float | None = None):
        self.code = code or self.code
        self.message = message or ERROR_MESSAGES.get(self.code) or self.default_message
        self.retry_after = retry_after
        super().__init__(str(self.message))


class SessionEnded(Exception):
    """The socket's session no longer holds (signed out, expired, password changed, account
    deactivated): the socket closes with 4001 instead of answering."""


ERROR_MESSAGES = {
    "not_found": _("This conversation is not available."),
    "not_delivered": _("Not delivered."),
    "cannot_message_now": _("You can't message this person right now."),
    "messages_closed": _("This person is not taking new messages right now."),
    "locked": _("The room is locked: only moderators can write now."),
    "slow_mode": _("Slow mode is on: wait a little before your next message."),
    "rate_limited": _("You are sending messages too fast. Wait a moment and retry."),
    "links_restricted": _("Links are not allowed in this room right now."),
    "muted": _("You are muted in this group for now."),
    "too_long": _("Messages can be at most 4,000 characters."),
    "content_warning_too_long": _("A content warning can be at most 200 characters."),
    "empty": _("Write something first."),
    "edit_window_closed": _("This message can no longer be changed."),
    "not_yours": _("You can only change your own messages."),
    "request_pending": _("Accept the message request first."),
    "invalid": _("That request was not understood."),
    "malformed": _("That frame was not valid JSON with a type."),
    "unknown_type": _("Unknown frame type."),
    "frame_too_large": _("That frame is too large."),
    "unsupported": _("Only text frames are supported."),
    "not_joined": _("Join the conversation first."),
    "too_many_conversations": _("Too many conversations open on one connection."),
    "calls_off": _("Calls are not available on this server: it has no relay for them."),
    "call_not_allowed": _("Only a group's moderators can start a call in its room."),
    "call_active": _("A call is already going on here."),
    "call_full": _("This call is full: it takes at most %(limit)d people."),
    "call_locked": _("The host has locked this call: nobody new can join."),
    "call_removed": _("You cannot join this call."),
    "not_in_call": _("Join the call first."),
    "not_host": _("Only the host can do that."),
    "cannot_host": _("Only a moderator of the group can host this call."),
    "forbidden_candidate": _(
        "Only relayed connections are allowed: that candidate would reveal a network address."
    ),
    "mic_off_by_host": _("The host muted you: wait until they ask you to unmute."),
    "video_stopped": _("The host stopped your video or screen sharing."),
    "server_error": _("Something went wrong on our side. Try again."),
    "identity_warning": _("Before you send: this could identify you. Nothing was sent."),
}


def denied(code: str, *, retry_after: float | None = None, **details) -> MessagingDenied:
    """The error for `code` (its message from ERROR_MESSAGES, which MessagingDenied looks up);
    `details` fill the placeholders of that message."""
    message = ERROR_MESSAGES[code] % details if details else None
    return MessagingDenied(code, message, retry_after=retry_after)
