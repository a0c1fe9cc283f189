from functools import wraps

from django.shortcuts import redirect

from community.permissions import has_mfa


def require_mfa_for_admin(site) -> None:
    """Staff tools need a second factor (DESIGN.md): without one the admin sends staff to set
    one up, and treats the account as having no admin permission meanwhile."""
    original_has_permission = site.has_permission
    original_login = site.login

    def has_permission(request):
        return original_has_permission(request) and has_mfa(request.user)

    @wraps(original_login)
    def login(request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_staff and not has_mfa(user):
            return redirect("mfa_activate_totp")
        return original_login(request, extra_context)

    site.has_permission = has_permission
    site.login = login
