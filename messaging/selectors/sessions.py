"""Whether a socket's session still holds: the same questions Django asks on every page."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db.models import Subquery
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from messaging.errors import SessionEnded

DATABASE_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


@dataclass(frozen=True)
class SessionProof:
    """What a full check found: the session row's data (by digest) and the account's password
    hash, as they were. While both are unchanged, the session still belongs to the member, and
    a write can ask the database for that in its own statement (one round trip; see
    messaging.services.conversations.store_message) instead of decoding the session again."""

    session_key: str
    user_id: int
    data_digest: str
    password: str
    expires_at: datetime


def session_digest(session_data: str) -> str:
    """The digest the database computes too (`md5(session_data)` on PostgreSQL)."""
    return hashlib.md5(session_data.encode(), usedforsecurity=False).hexdigest()


def prove_session(*, session_key: str | None, user_id: int) -> SessionProof | None:
    """The full check, or None when the session ended: it still exists, has not expired,
    still belongs to this member, was not invalidated by a password change (the same auth hash
    Django checks on every page), and the account is still active. One query."""
    if not session_key:
        return None
    if settings.SESSION_ENGINE not in DATABASE_ENGINES:
        return _prove_through_store(session_key=session_key, user_id=user_id)
    users = get_user_model().objects.filter(pk=user_id, is_active=True)
    row = (
        Session.objects.filter(session_key=session_key, expire_date__gt=timezone.now())
        .annotate(password=Subquery(users.values("password")[:1]))
        .values_list("session_data", "expire_date", "password")
        .first()
    )
    if row is None or row[2] is None:
        return None
    session_data, expire_date, password = row
    data = Session.get_session_store_class()().decode(session_data)
    if not _belongs_to(data, user_id=user_id, password=password):
        return None
    return SessionProof(
        session_key=session_key,
        user_id=user_id,
        data_digest=session_digest(session_data),
        password=password,
        expires_at=expire_date,
    )


def require_session(*, session_key: str | None, user_id: int) -> SessionProof:
    """`prove_session` for work that must not happen once the session ended: raises
    SessionEnded (the socket closes with 4001) instead of returning None."""
    proof = prove_session(session_key=session_key, user_id=user_id)
    if proof is None:
        raise SessionEnded
    return proof


def open_session(*, session_key: str | None):
    """For a socket opening: the signed-in member (with their profile) and the proof of their
    session, or None when it is not a live session of an active account (Django's own checks:
    the session exists and has not expired, names a configured authentication backend and an
    active account, and its auth hash matches the password). Two queries."""
    if not session_key:
        return None
    if settings.SESSION_ENGINE in DATABASE_ENGINES:
        row = (
            Session.objects.filter(session_key=session_key, expire_date__gt=timezone.now())
            .values_list("session_data", "expire_date")
            .first()
        )
        if row is None:
            return None
        session_data, expire_date = row
        data = Session.get_session_store_class()().decode(session_data)
        digest = session_digest(session_data)
    else:
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        data, expire_date, digest = dict(store.items()), store.get_expiry_date(), ""
    if data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = (
        get_user_model()
        .objects.select_related("profile")
        .filter(pk=data.get(SESSION_KEY), is_active=True)
        .first()
    )
    if user is None or not _belongs_to(data, user_id=user.pk, password=user.password):
        return None
    proof = SessionProof(
        session_key=session_key,
        user_id=user.pk,
        data_digest=digest,
        password=user.password,
        expires_at=expire_date,
    )
    return user, proof


def _belongs_to(data: dict, *, user_id: int, password: str) -> bool:
    if str(data.get(SESSION_KEY)) != str(user_id):
        return False
    user = get_user_model()(pk=user_id, password=password)
    return constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())


def _prove_through_store(*, session_key: str, user_id: int) -> SessionProof | None:
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not _belongs_to(
        dict(store.items()), user_id=user_id, password=user.password
    ):
        return None
    return SessionProof(
        session_key=session_key,
        user_id=user_id,
        data_digest="",
        password=user.password,
        expires_at=store.get_expiry_date(),
    )


def session_expiry(*, session_key: str | None, user_id: int):
    """When the socket's session ends, or None if it already has."""
    proof = prove_session(session_key=session_key, user_id=user_id)
    return proof.expires_at if proof is not None else None


def session_is_valid(*, session_key: str | None, user_id: int) -> bool:
    return prove_session(session_key=session_key, user_id=user_id) is not None
