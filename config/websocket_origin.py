"""WebSocket handshakes only from the site's own pages.

A browser lets any page open a WebSocket to any site, with that site's cookies, and says which
page asked in the `Origin` header: checking it is what keeps another site, or another port or
scheme on the same host (a forgotten dev server, a plain-http page on a TLS site), from
opening a member's socket and reading it. The Origin must equal, scheme, host and port, either

- the handshake's own origin: its scheme (`scope["scheme"]`, ws → http and wss → https, or
  what `SECURE_PROXY_SSL_HEADER` reports when it is configured and the header is present)
  and the `Host` header, which must itself be one of `ALLOWED_HOSTS`; or
- one exact entry of `CSRF_TRUSTED_ORIGINS` (wildcard entries such as
  `https://*.example.org` are for forms, not for sockets).

A handshake without an Origin, or with more than one, is refused: browsers always send one.
Refused handshakes are answered like channels' validators, with HTTP 403.
"""

import functools
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from twisted.internet.interfaces import ISSLTransport

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]  # scheme, host (lowercase, IPv6 without brackets), port


class WebsocketOriginValidator:
    """ASGI middleware for the WebSocket routes: refuses a handshake whose Origin is not the
    site's own (see the module docstring)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope, send):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def origin_allowed(scope, send=None) -> bool:
    headers = _headers(scope)
    origins, hosts = headers.get("origin", []), headers.get("host", [])
    if len(origins) != 1 or len(hosts) != 1:
        return False
    origin = parse_origin(origins[0])
    if origin is None:
        return False
    host = hosts[0]
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return False
    if origin == parse_origin(f"{_handshake_scheme(scope, headers, send)}://{host}"):
        return True
    return origin in _trusted_origins()


def parse_origin(value: str) -> Origin | None:
    """(scheme, host, port) of a serialised http(s) origin, the default port filled in; None
    for anything else (another scheme, a path, credentials, `null`, stray characters)."""
    if not (value.isascii() and value.isprintable()) or " " in value:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if (
        parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or "@" in parts.netloc
        or parts.path
        or parts.query
        or parts.fragment
        or value.endswith(("?", "#"))
    ):
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def _headers(scope) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in scope.get("headers", []):
        headers.setdefault(name.decode("latin1").lower(), []).append(value.decode("latin1"))
    return headers


def _allowed_hosts() -> list[str]:
    # As HttpRequest.get_host() has it.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def _trusted_origins() -> set[Origin]:
    parsed = (parse_origin(entry) for entry in settings.CSRF_TRUSTED_ORIGINS if "*" not in entry)
    return {origin for origin in parsed if origin is not None}


def _handshake_scheme(scope, headers: dict[str, list[str]], send) -> str:
    """http or https, the way HttpRequest.scheme decides it for a page."""
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        values = headers.get(header.removeprefix("HTTP_").replace("_", "-").lower())
        if values:
            first = ",".join(values).split(",", 1)[0].strip()
            return "https" if first == secure_value else "http"
    scheme = scope.get("scheme") or ("wss" if _daphne_serves_tls(send) else "ws")
    return "https" if scheme in ("wss", "https") else "http"


def _daphne_serves_tls(send) -> bool:
    """daphne leaves `scheme` out of a WebSocket scope, even when it serves TLS itself
    (`daphne -e ssl:...`), so its pages' wss:// origin would look like http. Its `send` is
    partial(server.handle_reply, protocol), and the protocol's transport says whether the
    connection is TLS."""
    if not (isinstance(send, functools.partial) and send.args):
        return False
    transport = getattr(send.args[0], "transport", None)
    return transport is not None and ISSLTransport.providedBy(transport)
