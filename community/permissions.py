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


def get_group_for_member_or_404(*, user, slug: str):
    """The group, if `user` is an active member of it; otherwise 404, so that nobody outside
    can tell a private group exists (DESIGN.md invariant 6)."""
    from django.http import Http404

    from community.models import Group, Membership

    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("group")
        .filter(
            user=user,
            group__slug=slug,
            group__status=Group.Status.ACTIVE,
            state=Membership.State.ACTIVE,
        )
        .first()
    )
    if membership is None:
        raise Http404
    group = membership.group
    group.viewer_membership = membership
    return group
