"""WebSocket routes. Every path lives under /ws/."""

websocket_urlpatterns: list = []
