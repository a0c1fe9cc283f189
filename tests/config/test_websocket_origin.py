"""The WebSocket Origin check (config/websocket_origin.py), through config.asgi.application.

Each handshake carries a signed-in member's session cookie, so a refusal can only come from
the Origin check. The site in these tests is http://127.0.0.1:8102.
"""

import pytest
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings

from tests.messaging.conftest import session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)

SITE_HOST = "127.0.0.1:8102"
SITE_ORIGIN = "http://127.0.0.1:8102"


async def _handshake(
    member,
    *,
    origin: str | None,
    host: str = SITE_HOST,
    path: str = "/ws/chat/",
    headers: tuple = (),
    scheme: str | None = None,
) -> bool:
    """Whether the handshake was accepted."""
    from config.asgi import application

    cookie = await db(session_cookie_for)(member)
    sent = [
        (b"host", host.encode()),
        (b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()),
        *((name.encode(), value.encode()) for name, value in headers),
    ]
    if origin is not None:
        sent.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(application, path, headers=sent)
    if scheme is not None:
        # As uvicorn or hypercorn set it (daphne leaves it out); read when the app first runs.
        communicator.scope["scheme"] = scheme
    connected, _code = await communicator.connect()
    await communicator.disconnect()
    return connected


async def test_the_sites_own_origin_is_accepted(member):
    assert await _handshake(member, origin=SITE_ORIGIN)


@pytest.mark.parametrize(
    "origin",
    [
        "https://127.0.0.1:8102",  # another scheme
        "http://127.0.0.1:9999",  # another port
        "http://127.0.0.1",  # the default port
        "ws://127.0.0.1:8102",  # not an origin a browser sends
        "http://localhost:8102",  # another host, though allowed
        "https://evil.example",
        "null",
        "http://127.0.0.1:8102/",
        "http://member@127.0.0.1:8102",
        "http://127.0.0.1:8102.evil.example",
    ],
)
async def test_any_other_origin_is_refused(member, origin):
    assert not await _handshake(member, origin=origin)


async def test_a_handshake_without_origin_is_refused(member):
    assert not await _handshake(member, origin=None)


async def test_two_origin_headers_are_refused(member):
    assert not await _handshake(
        member, origin=SITE_ORIGIN, headers=(("origin", "https://evil.example"),)
    )


async def test_a_host_outside_allowed_hosts_is_refused_even_when_the_origin_matches_it(member):
    # A page on a rebound DNS name talking to the server by that name.
    assert not await _handshake(
        member, origin="http://rebound.example:8102", host="rebound.example:8102"
    )


async def test_an_exact_csrf_trusted_origin_is_accepted_and_wildcards_are_not(member, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://kindred.example", "https://*.kindred.example"]
    assert await _handshake(member, origin="https://kindred.example")
    assert not await _handshake(member, origin="https://chat.kindred.example")
    assert not await _handshake(member, origin="http://kindred.example")


async def test_behind_a_proxy_the_forwarded_scheme_decides(member, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "kindred.example"]
    behind_proxy = {"host": "kindred.example", "headers": (("x-forwarded-proto", "https"),)}
    assert await _handshake(member, origin="https://kindred.example", **behind_proxy)
    assert not await _handshake(member, origin="http://kindred.example", **behind_proxy)
    # The proxy says http: then only the http origin is the site's.
    plain = {"host": "kindred.example", "headers": (("x-forwarded-proto", "http"),)}
    assert await _handshake(member, origin="http://kindred.example", **plain)
    assert not await _handshake(member, origin="https://kindred.example", **plain)


async def test_a_wss_handshake_belongs_to_the_https_origin(member):
    assert await _handshake(member, origin="https://127.0.0.1:8102", scheme="wss")
    assert not await _handshake(member, origin=SITE_ORIGIN, scheme="wss")


async def test_the_moderation_socket_checks_the_origin_too(member):
    assert not await _handshake(member, origin="http://127.0.0.1:9999", path="/ws/moderation/")
