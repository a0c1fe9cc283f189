from messaging.models import Notification


def unread_notification_count(*, recipient_id: int) -> int:
    return Notification.objects.filter(recipient_id=recipient_id, read_at__isnull=True).count()


def recent_notifications(*, recipient_id: int, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(recipient_id=recipient_id).order_by("-pk")[:limit])
