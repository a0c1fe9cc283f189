"""allauth's password forms with their labels in sentence case (issue 13: "New password", not
"New Password"). allauth loads them by their dotted paths (ACCOUNT_FORMS in config/settings.py);
like community/forms/signup.py, the package does not import this module, since allauth's forms
import `community.forms.SignupForm` (an import cycle)."""

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from django.utils.translation import gettext_lazy as _

NEW_PASSWORD_LABELS = {"password1": _("New password"), "password2": _("New password (again)")}


def _relabel(form, labels) -> None:
    for name, label in labels.items():
        if name in form.fields:
            form.fields[name].label = label


class ChangePasswordForm(AllauthChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(form=self, labels={"oldpassword": _("Current password"), **NEW_PASSWORD_LABELS})


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _relabel(form=self, labels=NEW_PASSWORD_LABELS)
