"""Account forms: the pseudonym allauth's signup adds, and the member's profile."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Profile
from community.pseudonyms import validate_pseudonym
from community.services.profiles import create_profile, pseudonym_taken, suggest_pseudonym


class PseudonymField(forms.CharField):
    default_validators = [validate_pseudonym]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault("label", _("Pseudonym"))
        kwargs.setdefault(
            "help_text",
            _(
                "This is the only name anyone here will see. Do not use your real name, "
                "email address or anything a colleague would recognise."
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return " ".join((super().to_python(value) or "").split())


class SignupForm(forms.Form):
    """Extra signup fields; allauth's own form adds email and password around these."""

    pseudonym = PseudonymField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("pseudonym", suggest_pseudonym())

    def clean_pseudonym(self):
        pseudonym = self.cleaned_data["pseudonym"]
        if pseudonym_taken(pseudonym):
            raise forms.ValidationError(
                _("That pseudonym is taken. Try another, or keep the suggestion."),
                code="taken",
            )
        return pseudonym

    def signup(self, request, user):
        create_profile(user=user, pseudonym=self.cleaned_data["pseudonym"])


class ProfileForm(forms.ModelForm):
    pseudonym = PseudonymField()

    class Meta:
        model = Profile
        fields = ["pseudonym", "pronouns", "bio", "dm_policy", "appear_offline"]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4}),
            "dm_policy": forms.RadioSelect,
        }
        help_texts = {
            "bio": _("Markdown is allowed. Avoid details that could identify you."),
            "appear_offline": _("Others will not see you in live rooms' attendee lists."),
        }

    def clean_pseudonym(self):
        pseudonym = self.cleaned_data["pseudonym"]
        if pseudonym_taken(pseudonym, exclude_profile_id=self.instance.pk):
            raise forms.ValidationError(_("That pseudonym is taken."), code="taken")
        return pseudonym
