"""Account forms: the pseudonym allauth's signup adds, and the member's profile."""

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

from community.before_you_send import split_words
from community.models import Profile
from community.pseudonyms import validate_pseudonym
from community.services.profiles import create_profile, pseudonym_taken, suggest_pseudonym
from community.time_zones import available_zones


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


def time_zone_choices():
    return [("", _("Use my browser's"))] + [(zone, zone) for zone in sorted(available_zones())]


class ProfileForm(forms.ModelForm):
    pseudonym = PseudonymField()
    # Not part of the public profile: only the member sees it (community/time_zones.py).
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        required=False,
        help_text=_(
            "Dates and times are shown in this zone. Only you can see it; nobody else is told."
        ),
    )

    class Meta:
        model = Profile
        fields = [
            "pseudonym",
            "pronouns",
            "bio",
            "dm_policy",
            "unfamiliar_requests",
            "appear_offline",
            "time_zone",
        ]
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 4}),
            "dm_policy": forms.RadioSelect,
            "unfamiliar_requests": forms.RadioSelect,
        }
        help_texts = {
            "bio": _("Markdown is allowed. Avoid details that could identify you."),
            "appear_offline": _(
                "Other members will not see you in live rooms' attendee lists. The room's "
                "hosts still do, marked as appearing offline."
            ),
            "dm_policy": _(
                "Nobody: also closes the conversations you already have to new messages "
                "from others."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out, it stays as it was (a form from before the setting existed still saves).
        self.fields["unfamiliar_requests"].required = False

    def clean_pseudonym(self):
        pseudonym = self.cleaned_data["pseudonym"]
        if pseudonym_taken(pseudonym, exclude_profile_id=self.instance.pk):
            raise forms.ValidationError(_("That pseudonym is taken."), code="taken")
        return pseudonym


MAX_IDENTIFYING_WORDS = 100
MAX_WORD_LENGTH = 80


def _region_choices():
    """Every region phone numbers are parsed for, as "GB (+44)"; blank is the site's."""
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    return [("", _("The site's default"))] + [
        (region, f"{region} (+{phonenumbers.country_code_for_region(region)})")
        for region in regions
    ]


class BeforeYouSendForm(forms.Form):
    """The member's own settings for the "before you send" check: the private list of words
    that identify them, and where their phone numbers come from."""

    words = forms.CharField(
        label=_("Words that identify me"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "One per line: your employer, team, office, manager, city. Before anything you "
            "write is sent, you are warned if it contains one. The list is encrypted and shown "
            "to nobody else."
        ),
    )
    phone_region = forms.ChoiceField(
        label=_("Where your phone numbers are from"),
        required=False,
        choices=_region_choices,
        help_text=_("So that numbers written without a country code are recognised."),
    )

    def clean_words(self):
        words = split_words(self.cleaned_data["words"])
        if len(words) > MAX_IDENTIFYING_WORDS:
            raise forms.ValidationError(
                _("At most %(count)s words or phrases.") % {"count": MAX_IDENTIFYING_WORDS},
                code="too_many",
            )
        if any(len(word) > MAX_WORD_LENGTH for word in words):
            raise forms.ValidationError(
                _("Each word or phrase can be at most %(count)s characters.")
                % {"count": MAX_WORD_LENGTH},
                code="too_long",
            )
        return words
