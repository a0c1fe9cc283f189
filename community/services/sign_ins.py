"""Sign-in activity and the lockout (docs/decisions/0008-sign-in-activity-and-lockout.md).

Two records with different jobs:

- `SignInAttempt` rows: the member's own history (time, outcome, coarse device), written only
  for addresses that belong to an account, read only by that member.
- The lockout's counters, in the cache and keyed by a keyed digest of the address typed, so an
  address with no account pauses exactly like one with an account (DESIGN.md invariant 5),
  and nothing typed at the sign-in form is kept beyond the window.
"""

import math
import time
from dataclasses import dataclass
from datetime import timedelta

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

from community.devices import coarse_device
from community.models import SignInAttempt, User

# How long a member's sign-in history is kept; the activity page shows the newest of it.
HISTORY_KEPT = timedelta(days=90)
FAILED_OUTCOMES = (SignInAttempt.Outcome.FAILED, SignInAttempt.Outcome.LOCKED)


class SignInPaused(Exception):
    """Signing in with this address is paused; `minutes` until it may be tried again."""

    def __init__(self, minutes: int):
        self.minutes = minutes
        super().__init__(minutes)


@dataclass(frozen=True)
class FailedSinceLastTime:
    count: int
    since: object  # the previous successful sign-in's time, or None for a first sign-in


def _normalized(address: str) -> str:
    return (address or "").strip().lower()


def _cache_key(address: str, part: str) -> str:
    digest = salted_hmac(
        "kindred.sign-in-lockout", _normalized(address), algorithm="sha256"
    ).hexdigest()
    return f"kindred-sign-in:{digest}:{part}"


def _account_id_for(address: str) -> int | None:
    # One query whether or not the address has an account: both paths do the same work.
    return (
        User.objects.filter(email__iexact=_normalized(address)).values_list("pk", flat=True).first()
    )


def _record(*, user_id: int, outcome: str, user_agent: str) -> None:
    SignInAttempt.objects.create(user_id=user_id, outcome=outcome, device=coarse_device(user_agent))


def check_sign_in_allowed(*, address: str, user_agent: str) -> None:
    """Raises SignInPaused while the address is locked out (and notes the refused attempt in
    the account's history, if the address has one). Runs before the password is checked, so a
    right password is refused too while the pause lasts."""
    paused_until = cache.get(_cache_key(address, "paused"))
    if paused_until is None or paused_until <= time.time():
        return
    user_id = _account_id_for(address)
    if user_id is not None:
        _record(user_id=user_id, outcome=SignInAttempt.Outcome.LOCKED, user_agent=user_agent)
    raise SignInPaused(max(1, math.ceil((paused_until - time.time()) / 60)))


def record_failed_sign_in(*, address: str, user_agent: str) -> None:
    """A wrong password for `address`: counted towards the lockout whether or not an account
    has the address; written to the history only if one does."""
    # An atomic counter (Redis INCR in production), so guesses sent in parallel to several
    # processes are all counted; the window opens at the first failure.
    failures_key = _cache_key(address, "failures")
    window = math.ceil(settings.KINDRED_SIGN_IN_LOCKOUT_WINDOW.total_seconds())
    cache.add(failures_key, 0, timeout=window)
    try:
        failures = cache.incr(failures_key)
    except ValueError:  # the window closed between the two calls
        cache.add(failures_key, 1, timeout=window)
        failures = 1
    if failures >= settings.KINDRED_SIGN_IN_LOCKOUT_FAILURES:
        period = settings.KINDRED_SIGN_IN_LOCKOUT_PERIOD.total_seconds()
        cache.add(_cache_key(address, "paused"), time.time() + period, timeout=math.ceil(period))
        cache.delete(failures_key)
    user_id = _account_id_for(address)
    if user_id is not None:
        _record(user_id=user_id, outcome=SignInAttempt.Outcome.FAILED, user_agent=user_agent)


def record_sign_in(*, user, user_agent: str) -> FailedSinceLastTime:
    """A successful sign-in. Returns how many attempts failed (or were refused) since the
    previous successful one, for telling the member."""
    previous = (
        SignInAttempt.objects.filter(user_id=user.pk, outcome=SignInAttempt.Outcome.SUCCEEDED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failed = SignInAttempt.objects.filter(user_id=user.pk, outcome__in=FAILED_OUTCOMES)
    if previous is not None:
        failed = failed.filter(at__gt=previous)
    count = failed.count()
    now = timezone.now()
    SignInAttempt.objects.filter(user_id=user.pk, at__lt=now - HISTORY_KEPT).delete()
    _record(user_id=user.pk, outcome=SignInAttempt.Outcome.SUCCEEDED, user_agent=user_agent)
    for address in _addresses_of(user):
        cache.delete(_cache_key(address, "failures"))
    return FailedSinceLastTime(count=count, since=previous)


def lift_sign_in_pause(*, user) -> None:
    """A password reset proves the inbox: the pause on the account's addresses ends."""
    for address in _addresses_of(user):
        cache.delete_many([_cache_key(address, "paused"), _cache_key(address, "failures")])


def _addresses_of(user) -> list[str]:
    return [user.email] if user.email else []


def end_session(*, user, session_id: int, current_session_key: str) -> bool:
    """Ends one of the member's other sessions (its sockets close, messaging/handlers.py).
    Returns False when there is no such session of theirs (already ended, or not theirs)."""
    session = (
        UserSession.objects.filter(pk=session_id, user_id=user.pk)
        .exclude(session_key=current_session_key)
        .first()
    )
    if session is None:
        return False
    session.end()
    return True


def end_other_sessions(*, user, current_session_key: str) -> int:
    ended = 0
    for session in UserSession.objects.filter(user_id=user.pk).exclude(
        session_key=current_session_key
    ):
        session.end()
        ended += 1
    return ended
