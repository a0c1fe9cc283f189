"""Suspending and reinstating an account: the one place `User.is_active` changes.

Who may suspend is moderation's to decide (its sanctions). An inactive account opens no page
and no socket: every backend refuses it, and messaging closes its sockets on commit when the
account row is saved (messaging/handlers.py).
"""

from django.db import transaction

from community.models import User


def suspend_account(*, user: User) -> bool:
    """Returns whether anything changed (False: already suspended)."""
    return _set_active(user=user, active=False)


def reinstate_account(*, user_id: int) -> bool:
    user = User.objects.filter(pk=user_id).first()
    return user is not None and _set_active(user=user, active=True)


def _set_active(*, user: User, active: bool) -> bool:
    with transaction.atomic():
        if user.is_active == active:
            return False
        user.is_active = active
        # Saved with update_fields, so that messaging re-checks the account's sessions.
        user.save(update_fields=["is_active"])
    return True
