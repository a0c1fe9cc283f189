from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db.models import Subquery
from django.utils import timezone
from django.utils.crypto import constant_time_compare

DATABASE_ENGINE = "django.contrib.sessions.backends.db"


def session_expiry(*, session_key: str | None, user_id: int):
    """When the socket's session ends, or None if it already has: the session still exists,
    has not expired, still belongs to this member, was not invalidated by a password change
    (the same auth hash Django checks on every page), and the account is still active.
    One query. Checked on every frame a consumer acts on."""
    if not session_key:
        return None
    if settings.SESSION_ENGINE != DATABASE_ENGINE:
        return _session_expiry_through_store(session_key=session_key, user_id=user_id)
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
    if str(data.get(SESSION_KEY)) != str(user_id):
        return None
    user = get_user_model()(pk=user_id, password=password)
    if not constant_time_compare(data.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None
    return expire_date


def _session_expiry_through_store(*, session_key: str, user_id: int):
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(store.get(SESSION_KEY)) != str(user_id):
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not constant_time_compare(
        store.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    ):
        return None
    return store.get_expiry_date()


def session_is_valid(*, session_key: str | None, user_id: int) -> bool:
    return session_expiry(session_key=session_key, user_id=user_id) is not None
