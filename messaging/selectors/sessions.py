from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model


def session_is_valid(*, session_key: str | None, user_id: int) -> bool:
    """The socket's session still exists, has not expired, still belongs to this member, and
    the account is still active. Checked on every frame a consumer acts on."""
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(store.get(SESSION_KEY)) != str(user_id):
        return False
    return get_user_model().objects.filter(pk=user_id, is_active=True).exists()
