"""Reads for the member's own sign-in activity page."""

from dataclasses import dataclass

from allauth.usersessions.models import UserSession
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from community.models import SignInAttempt

RECENT_SIGN_INS = 50


@dataclass(frozen=True)
class LiveSession:
    id: int
    device: str
    signed_in_at: object
    is_current: bool


def recent_sign_ins(*, user_id: int) -> list[SignInAttempt]:
    return list(
        SignInAttempt.objects.filter(user_id=user_id).order_by("-at", "-pk")[:RECENT_SIGN_INS]
    )


def live_sessions(*, user, current_session_key: str) -> list[LiveSession]:
    """The member's sessions that would still open a page, as Django checks one: not expired,
    naming this account, and signed with its current password (a password change elsewhere
    leaves rows that open nothing). Two queries, however many sessions.
    allauth's session rows hold the coarse device label in `user_agent` (community/handlers.py
    replaces the browser's string before the row is written)."""
    tracked = list(UserSession.objects.filter(user_id=user.pk).order_by("-created_at"))
    rows = Session.objects.filter(
        session_key__in=[session.session_key for session in tracked],
        expire_date__gt=timezone.now(),
    ).values_list("session_key", "session_data")
    store = Session.get_session_store_class()()
    auth_hash = user.get_session_auth_hash()
    alive = set()
    for session_key, session_data in rows:
        data = store.decode(session_data)
        if str(data.get(SESSION_KEY)) == str(user.pk) and constant_time_compare(
            data.get(HASH_SESSION_KEY, ""), auth_hash
        ):
            alive.add(session_key)
    return [
        LiveSession(
            id=session.pk,
            device=session.user_agent,
            signed_in_at=session.created_at,
            is_current=session.session_key == current_session_key,
        )
        for session in tracked
        if session.session_key in alive
    ]
