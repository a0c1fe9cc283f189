"""WebSocket routes. Every path lives under /ws/."""

from django.urls import path

from messaging.consumers import ChatConsumer
from moderation.consumers import ModerationQueueConsumer

websocket_urlpatterns: list = [
    path("ws/chat/", ChatConsumer.as_asgi()),
    path("ws/moderation/", ModerationQueueConsumer.as_asgi()),
]
