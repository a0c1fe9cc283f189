"""Kindred's step in front of one of allauth's account pages."""

from allauth.account.models import EmailAddress
from allauth.account.views import email as allauth_email_addresses
from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils.translation import gettext as _

from community.confirmation import ask_first


@login_required
def email_addresses(request):
    """allauth's page for the account's email addresses, except that removing one asks first
    through the one confirmation step (issue 13), not a script's pop-up."""
    address = request.POST.get("email", "")
    if (
        request.method == "POST"
        and "action_remove" in request.POST
        and EmailAddress.objects.filter(user=request.user, email__iexact=address).exists()
        and (
            response := ask_first(
                request,
                heading=_("Remove %(email)s from your account?") % {"email": address},
                consequences=[
                    _("You can no longer sign in with it, and Kindred sends nothing more to it."),
                    _("You can add it again later; it will need confirming again."),
                ],
                confirm_label=_("Remove address"),
                cancel_url=reverse("account_email"),
            )
        )
    ):
        return response
    return allauth_email_addresses(request)
