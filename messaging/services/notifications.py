from django.db import transaction
from django.utils import timezone

from messaging.models import Notification
from messaging.selectors.notifications import unread_notification_count
from messaging.services.realtime import send_to_user


def notify(*, recipient_id: int, kind: str, text: str, url: str = "") -> Notification:
    """Creates an in-app notification. The live bell (pushed over the member's socket after
    commit) is wired in here, so every caller gets it."""
    with transaction.atomic():
        notification = Notification.objects.create(
            recipient_id=recipient_id, kind=kind, text=text[:300], url=url
        )
        transaction.on_commit(lambda: _push_notification(notification))
    return notification


def _push_notification(notification: Notification) -> None:
    send_to_user(
        user_id=notification.recipient_id,
        event={
            "type": "notification.created",
            "notification": {
                "id": notification.pk,
                "text": notification.text,
                "url": notification.url,
                "created_at": notification.created_at.isoformat(),
            },
            "unread_count": unread_notification_count(recipient_id=notification.recipient_id),
        },
    )


def mark_notifications_read(*, recipient_id: int, notification_ids: list[int] | None = None) -> int:
    notifications = Notification.objects.filter(recipient_id=recipient_id, read_at__isnull=True)
    if notification_ids is not None:
        notifications = notifications.filter(pk__in=notification_ids)
    return notifications.update(read_at=timezone.now())
