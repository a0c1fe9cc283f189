"""allauth's signup form, doing the same work for an address that has an account already.

With ACCOUNT_PREVENT_ENUMERATION allauth answers a known address with the same page as a new
one, but did far less to get there: no account created, no password hashed. The time alone
told (≈ 600 ms against ≈ 15 ms, issue 14). Here the known path rehearses the new path in a
transaction it rolls back: the same password hash, the same rows written (an account, its
profile, its address, under a made-up address), then nothing kept. Both paths then send one
mail through the same adapter.

allauth loads this by its dotted path (ACCOUNT_FORMS in config/settings.py), and it builds on
allauth's own form, which builds on `community.forms.SignupForm`: so the package does not import
this module (that would be an import cycle).
"""

import secrets

from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from django.db import transaction

# Where the rehearsal's account "lives": a reserved top-level domain, never deliverable.
REHEARSAL_DOMAIN = "rehearsal.invalid"


class _Rehearsed(Exception):
    """Rolls the rehearsal back."""


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        if self.account_already_exists:
            self._rehearse_signup(request)
        return super().try_save(request)

    def _rehearse_signup(self, request) -> None:
        """Creates an account exactly as a new address does, then rolls it all back."""
        adapter = get_adapter()
        stashed = request.session.get("account_verified_email")
        email = self.cleaned_data["email"]
        self.cleaned_data["email"] = f"{secrets.token_hex(12)}@{REHEARSAL_DOMAIN}"
        self.account_already_exists = False
        try:
            with transaction.atomic():
                self.save(request)
                raise _Rehearsed
        except _Rehearsed:
            pass
        finally:
            self.cleaned_data["email"] = email
            self.account_already_exists = True
            if stashed:
                adapter.stash_verified_email(request, stashed)
