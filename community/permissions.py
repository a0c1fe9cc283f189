"""Who may do what in community/. Each check raises PermissionDenied, or Http404 where even
the existence of the thing must stay hidden."""

from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def has_mfa(user) -> bool:
    return bool(user.is_authenticated and is_mfa_enabled(user))


def require_mfa(view):
    """For the tools of advocates, moderators and staff: no second factor, no access.

    Sends the person to set up an authenticator and back afterwards.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not has_mfa(request.user):
            messages.warning(
                request,
                _("This area needs two-factor authentication. Set up an authenticator app first."),
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapper
