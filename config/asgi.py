"""ASGI entry point: HTTP through Django, WebSockets under /ws/ through Channels.

WebSocket handshakes must come from the site's own pages (the Origin checked exactly, scheme,
host and port: config/websocket_origin.py) and carry the session cookie; consumers then
authorise every action themselves.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from config.websocket_origin import WebsocketOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebsocketOriginValidator(
            # The session cookie only: each socket checks the session itself, the way Django
            # does for a page (messaging/sockets.py), in fewer queries than channels' auth.
            SessionMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
