"""In-app notifications: stored for the member, pushed to their open pages, discreet by
default (docs/decisions/0007-discreet-footprint.md). Kindred sends no notification email or
push message: nothing about the member's activity leaves the app."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from messaging.models import ChatAnnouncements, Notification, NotificationPreferences
from messaging.selectors.notifications import (
    notification_preferences,
    preference_of,
    unread_notification_count,
)
from messaging.services.realtime import send_to_user

PREFERENCE_FIELDS = [
    "show_details",
    "mentions",
    "direct_messages",
    "replies",
    "moderation",
    "support",
]


def notify(*, recipient_id: int, kind: str, text: str, url: str = "") -> Notification | None:
    """Creates an in-app notification, unless the member turned this kind off (then None).
    The live bell (pushed over the member's socket after commit) is wired in here, so every
    caller gets it."""
    preferences = notification_preferences(user_id=recipient_id)
    preference = preference_of(kind)
    if preference is not None and not getattr(preferences, preference):
        return None
    with transaction.atomic():
        notification = Notification.objects.create(
            recipient_id=recipient_id, kind=kind, text=text[:300], url=url
        )
        transaction.on_commit(
            lambda: _push_notification(notification, show_details=preferences.show_details)
        )
    return notification


def discreet_view(notification: Notification, *, show_details: bool) -> dict:
    """What the bell and a live notice may show: by default "New activity" and a link to the
    notification's own page, never who or what."""
    if show_details:
        text, url = notification.text, notification.url
    else:
        text = _("New activity")
        url = reverse("messaging:notification_detail", args=[notification.pk])
    return {
        "id": notification.pk,
        "text": text,
        "url": url,
        "created_at": notification.created_at.isoformat(),
    }


def _push_notification(notification: Notification, *, show_details: bool) -> None:
    send_to_user(
        user_id=notification.recipient_id,
        event={
            "type": "notification.created",
            "notification": discreet_view(notification, show_details=show_details),
            "unread_count": unread_notification_count(recipient_id=notification.recipient_id),
        },
    )


def save_notification_preferences(*, user, values: dict) -> NotificationPreferences:
    defaults = {field: bool(values.get(field)) for field in PREFERENCE_FIELDS}
    defaults["chat_announcements"] = values.get("chat_announcements") or ChatAnnouncements.ALL
    preferences, _created = NotificationPreferences.objects.update_or_create(
        user=user, defaults=defaults
    )
    return preferences


def mark_notifications_read(
    *, recipient_id: int, notification_ids: list[int] | None = None, kind: str | None = None
) -> int:
    notifications = Notification.objects.filter(recipient_id=recipient_id, read_at__isnull=True)
    if notification_ids is not None:
        notifications = notifications.filter(pk__in=notification_ids)
    if kind is not None:
        notifications = notifications.filter(kind=kind)
    return notifications.update(read_at=timezone.now())
