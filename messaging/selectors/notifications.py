from messaging.models import Notification, NotificationPreferences

# Which preference (a NotificationPreferences field) decides each kind of notification. Kinds
# not listed are always delivered: crisis resources, group and advocate decisions about the
# member's own requests, and moderation acting on the member (a sanction, something of theirs
# hidden): they must learn of it while they can still appeal.
PREFERENCE_OF_KIND = {
    "mention": "mentions",
    "message_request": "direct_messages",
    "direct_message": "direct_messages",
    "thread_reply": "replies",
    "flag_outcome": "moderation",
    "appeal_outcome": "moderation",
    "journal_shared": "support",
}
PREFERENCE_PREFIXES = {"support.": "support"}


def preference_of(kind: str) -> str | None:
    if kind in PREFERENCE_OF_KIND:
        return PREFERENCE_OF_KIND[kind]
    for prefix, preference in PREFERENCE_PREFIXES.items():
        if kind.startswith(prefix):
            return preference
    return None


def notification_preferences(*, user_id: int) -> NotificationPreferences:
    """The member's preferences, or the defaults (unsaved) when they never changed them."""
    return NotificationPreferences.objects.filter(user_id=user_id).first() or (
        NotificationPreferences(user_id=user_id)
    )


def unread_notification_count(*, recipient_id: int) -> int:
    return Notification.objects.filter(recipient_id=recipient_id, read_at__isnull=True).count()


def recent_notifications(*, recipient_id: int, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(recipient_id=recipient_id).order_by("-pk")[:limit])


def get_notification_for_recipient(*, recipient_id: int, notification_id: int):
    return Notification.objects.filter(pk=notification_id, recipient_id=recipient_id).first()
