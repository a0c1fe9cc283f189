"""The journal locks itself: its pages ask for the password (or the two-factor code, where the
member has one) again after `KINDRED_JOURNAL_RELOCK_AFTER` without a journal page, and once in
every new session, before the first journal page. Signing in does not unlock it: a session
left open on a shared computer, or a sign-in someone else made, opens no journal.

The proof is allauth's own re-authentication (its pages, its rate limit, its record of when
the member last proved themselves in this session); this module only decides when it is
needed. Docs: docs/decisions/0008-sign-in-activity-and-lockout.md.
"""

import time
from functools import wraps

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _

# When this session last showed a journal page (seconds since the epoch).
SEEN_AT_KEY = "journal_seen_at"
# The session is written at most this often by journal pages, so they cost no extra query
# each time; the lock's timing is exact to within this.
REFRESH_EVERY = 60


def _last_reauthenticated_at(request) -> float:
    records = get_authentication_records(request, request.user)
    moments = [record["at"] for record in records if record.get("reauthenticated")]
    return max(moments, default=0.0)


def journal_is_unlocked(request) -> bool:
    idle_limit = settings.KINDRED_JOURNAL_RELOCK_AFTER.total_seconds()
    last_active = max(request.session.get(SEEN_AT_KEY, 0.0), _last_reauthenticated_at(request))
    return time.time() - last_active < idle_limit


def _unlock_redirect(request):
    methods = get_adapter().get_reauthentication_methods(request.user)
    url = methods[0]["url"]
    if request.method == "POST":
        # allauth would keep the form in the session to replay it after the password; journal
        # text is never stored unencrypted, so the form is not kept (and not acted on).
        messages.warning(
            request,
            _(
                "Your journal locked itself while you were away, so nothing was sent. "
                "Unlock it, then send the form again."
            ),
        )
        next_path = request.path
    else:
        messages.info(
            request,
            _("Your journal is locked. Confirm it is you to open it."),
        )
        next_path = request.get_full_path()
    return HttpResponseRedirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_path})}")


def journal_unlock_required(view):
    """For the owner's journal views, under `login_required`."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not journal_is_unlocked(request):
            return _unlock_redirect(request)
        now = time.time()
        if now - request.session.get(SEEN_AT_KEY, 0.0) > REFRESH_EVERY:
            request.session[SEEN_AT_KEY] = now
        return view(request, *args, **kwargs)

    return wrapper
