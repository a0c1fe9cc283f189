"""Kindred's step in front of one of allauth's account pages."""

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.account.views import email as allauth_email_addresses
from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils.translation import gettext as _

from community.confirmation import ask_first


def _address_to_remove(request) -> EmailAddress | None:
    """The member's own address their POST asks to remove, if allauth would remove it (it
    refuses the primary one itself: asking first about that would promise what never happens)."""
    if request.method != "POST" or "action_remove" not in request.POST:
        return None
    address = EmailAddress.objects.filter(
        user=request.user, email__iexact=request.POST.get("email", "")
    ).first()
    if address is None or not get_adapter(request).can_delete_email(address):
        return None
    return address


@login_required
def email_addresses(request):
    """allauth's page for the account's email addresses, except that removing one asks first
    through the one confirmation step (issue 13), not a script's pop-up."""
    address = _address_to_remove(request)
    if address is not None and (
        response := ask_first(
            request,
            heading=_("Remove %(email)s from your account?") % {"email": address.email},
            consequences=[
                _("You can no longer sign in with it, and Kindred sends nothing more to it."),
                _("You can add it again later; it will need confirming again."),
            ],
            confirm_label=_("Remove address"),
            cancel_url=reverse("account_email"),
        )
    ):
        return response
    return allauth_email_addresses(request)
