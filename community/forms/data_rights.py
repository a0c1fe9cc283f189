"""Forms of the data-rights pages: both ask for the password again."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PasswordConfirmForm(forms.Form):
    """Asks for the password again before anything that reveals or destroys everything."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class DeleteAccountForm(PasswordConfirmForm):
    KEEP_AS_DELETED_MEMBER = "keep"
    DELETE = "delete"

    contributions = forms.ChoiceField(
        label=_("Your posts and messages"),
        widget=forms.RadioSelect,
        choices=[
            (KEEP_AS_DELETED_MEMBER, _("Keep them, shown as written by “Former member”")),
            (DELETE, _("Delete them")),
        ],
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand my account, profile, journal and evidence are destroyed and "
            "cannot be recovered."
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    field_order = ["contributions", "password", "confirm"]
