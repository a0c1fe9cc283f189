"""The forms of community's pages, one module per area (as views/ and services/ are).

allauth loads the signup form by its dotted path, `ACCOUNT_SIGNUP_FORM_CLASS =
"community.forms.SignupForm"`, so the package names it here.
"""

from community.forms.accounts import SignupForm

__all__ = ["SignupForm"]
