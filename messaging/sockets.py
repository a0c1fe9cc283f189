"""What every Kindred socket shares: it lives exactly as long as its session would still open
a page.

A socket opens only with a live session of an active account (`open_session`: Django's own
session checks, two queries), listens on its member's personal group `user.<id>` and on its
session's group `session.<digest>`, and closes with 4001 when either says the session ended
(`session.ended`), when a change to the account makes its session fail the check again
(`session.recheck`: a password change, a deactivation), or when the session's expiry passes
(a timer, checked again then: a session extended meanwhile moves it later).
messaging/handlers.py sends those events from wherever sessions end.
"""

import asyncio

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation.trans_real import parse_accept_lang_header

from messaging.db import database
from messaging.selectors.sessions import open_session, prove_session
from messaging.services.realtime import session_channel_group, user_channel_group

CLOSE_SESSION_ENDED = 4001


def socket_language(scope, profile_language: str) -> str:
    """The language a socket speaks: the member's own choice, else the language cookie, else
    the browser's Accept-Language, as config.middleware.LocaleMiddleware decides for a page."""
    available = {code for code, _name in settings.LANGUAGES}
    if profile_language in available:
        return profile_language
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in available:
        return cookie
    headers = dict(scope.get("headers", []))
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    for code, _quality in parse_accept_lang_header(accept):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class SessionSocket(AsyncWebsocketConsumer):
    user = None
    language = settings.LANGUAGE_CODE
    expiry_timer = None
    closing = False
    personal_groups: list[str] = []

    async def dispatch(self, message):
        """channels' dispatch, without its hop to the database thread before every frame and
        event (`aclose_old_connections`: messaging.db.database looks after connections on the
        calls that use one), and ignoring personal events this kind of socket has no use for
        (a notification reaching the moderation queue's socket)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is not None:
            # What a frame says (an error, a notice) is in the member's language, as on a page.
            with translation.override(self.language):
                await handler(message)
        elif message["type"].startswith("websocket."):
            raise ValueError(f"No handler for message type {message['type']}")

    async def open_session(self) -> bool:
        """Call first in connect(); False: no live session (refuse the socket)."""
        session_key = self.scope["session"].session_key
        opened = await database(open_session)(session_key=session_key)
        if opened is None:
            return False
        # A plain user with its profile, kept for the socket's life.
        self.user, self.session_proof = opened
        self.user_id = self.user.pk
        profile = getattr(self.user, "profile", None)  # staff made with createsuperuser: none
        self.language = socket_language(self.scope, getattr(profile, "language", ""))
        self.session_key = session_key
        self.personal_groups = [
            user_channel_group(self.user_id),
            session_channel_group(session_key),
        ]
        for group in self.personal_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        return True

    def watch_expiry(self) -> None:
        """Call after accept(): the socket closes when its session expires."""
        self._close_at(self.session_proof.expires_at)

    async def disconnect(self, code):
        if self.expiry_timer is not None:
            self.expiry_timer.cancel()
        for group in self.personal_groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def end_socket(self, code: int) -> None:
        """Closes with `code`; subclasses first stop what the socket is part of."""
        if self.closing:
            return
        self.closing = True
        await self.close(code=code)

    async def session_ended(self, event):
        await self.end_socket(CLOSE_SESSION_ENDED)

    async def session_recheck(self, event):
        """The account's password or active flag changed: is this socket's session still good?"""
        await self._check_expiry()

    async def session_holds(self) -> bool:
        proof = await database(prove_session)(session_key=self.session_key, user_id=self.user_id)
        if proof is not None:
            self.session_proof = proof
        return proof is not None

    def _close_at(self, expires_at) -> None:
        delay = max(0.0, (expires_at - timezone.now()).total_seconds())
        loop = asyncio.get_running_loop()
        if self.expiry_timer is not None:
            # Checked again early (`session.recheck`): one timer per socket, the latest.
            self.expiry_timer.cancel()
        self.expiry_timer = loop.call_later(
            min(delay, 86_400.0), lambda: loop.create_task(self._check_expiry())
        )

    async def _check_expiry(self) -> None:
        if self.closing:
            return
        if not await self.session_holds():
            await self.end_socket(CLOSE_SESSION_ENDED)
        else:
            self._close_at(self.session_proof.expires_at)
