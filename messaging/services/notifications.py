"""In-app notifications: stored for the member, pushed to their open pages, discreet by
default (docs/decisions/0007-discreet-footprint.md). Kindred sends no notification email or
push message: nothing about the member's activity leaves the app."""

from collections.abc import Callable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.models import Profile
from community.services.language import available_language_codes
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


def recipient_language(*, recipient_id: int) -> str:
    """The language to write to a member in: their own choice, else the current one (the
    request that makes the notification; their browser's is not known here)."""
    chosen = Profile.objects.filter(user_id=recipient_id).values_list("language", flat=True)
    chosen = next(iter(chosen), "")
    return chosen if chosen in available_language_codes() else translation.get_language()


def notify(
    *, recipient_id: int, kind: str, text: str | Callable[[], str], url: str = ""
) -> Notification | None:
    """Creates an in-app notification, unless the member turned this kind off (then None).
    The live bell (pushed over the member's socket after commit) is wired in here, so every
    caller gets it.

    A notification is stored as text, and the person whose action makes it (a moderator, an
    advocate, a replier) may read the site in another language than the recipient: callers
    pass a function that builds the text, run here in the recipient's language."""
    preferences = notification_preferences(user_id=recipient_id)
    preference = preference_of(kind)
    if preference is not None and not getattr(preferences, preference):
        return None
    language = recipient_language(recipient_id=recipient_id)
    with translation.override(language):
        text = str(text() if callable(text) else text)
    with transaction.atomic():
        notification = Notification.objects.create(
            recipient_id=recipient_id, kind=kind, text=text[:300], url=url
        )
        transaction.on_commit(
            lambda: _push_notification(
                notification, show_details=preferences.show_details, language=language
            )
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


def _push_notification(notification: Notification, *, show_details: bool, language: str) -> None:
    with translation.override(language):  # "New activity", in the recipient's language
        view = discreet_view(notification, show_details=show_details)
    send_to_user(
        user_id=notification.recipient_id,
        event={
            "type": "notification.created",
            "notification": view,
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
