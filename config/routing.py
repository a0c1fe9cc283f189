"""WebSocket routes. Every path lives under /ws/."""

from django.urls import path

from messaging.consumers import ChatConsumer

websocket_urlpatterns: list = [
    path("ws/chat/", ChatConsumer.as_asgi()),
]
