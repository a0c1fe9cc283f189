"""Forms for the advocate directory, applying, and support requests."""

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import AdvocateProfile, Specialty, SupportRequest
from community.models.advocates import SUPPORT_LANGUAGES
from community.selectors.advocates import DirectoryOrder
from community.services.support_requests import is_at_least_a_sentence

TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class AdvocateApplicationForm(forms.Form):
    specialties = forms.ModelMultipleChoiceField(
        label=_("Specialties"),
        queryset=Specialty.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one specialty.")},
    )
    credentials = forms.CharField(
        label=_("Training and credentials"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For staff review only: qualifications, training, experience."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you can help in"),
        choices=SUPPORT_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one language.")},
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=[(zone, zone) for zone in TIME_ZONES], initial="UTC"
    )
    public_bio = forms.CharField(
        label=_("Public bio"),
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown in the directory. Markdown is allowed."),
    )
    capacity = forms.IntegerField(
        label=_("How many open requests you can hold at once"),
        min_value=1,
        max_value=50,
        initial=3,
    )

    @classmethod
    def initial_from(cls, advocate: AdvocateProfile | None, pending: list[Specialty]) -> dict:
        """`pending`: specialties the advocate added that wait for staff (ticked, too)."""
        if advocate is None:
            return {}
        return {
            "specialties": [*advocate.specialties.all(), *pending],
            "credentials": advocate.credentials,
            "languages": advocate.language_codes,
            "time_zone": advocate.time_zone,
            "public_bio": advocate.public_bio,
            "capacity": advocate.capacity,
        }


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    specialty = forms.ModelChoiceField(
        label=_("Specialty"),
        queryset=Specialty.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("Any specialty"),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Any language")), *SUPPORT_LANGUAGES],
    )
    taking = forms.BooleanField(label=_("Taking requests now"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            (DirectoryOrder.RECOMMENDED, _("Recommended")),
            (DirectoryOrder.FASTEST, _("Fastest typical response")),
        ],
    )


class SupportRequestForm(forms.Form):
    specialty = forms.ModelChoiceField(
        label=_("What kind of help"),
        queryset=Specialty.objects.all(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    summary = forms.CharField(
        label=_("Short summary"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is happening and what would help. Leave out names and employers."),
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=SUPPORT_LANGUAGES)
    urgency = forms.ChoiceField(
        label=_("How soon do you need an answer"),
        choices=SupportRequest.Urgency.choices,
        widget=forms.RadioSelect,
        initial=SupportRequest.Urgency.NORMAL,
    )
    self_harm = forms.BooleanField(
        label=_("I am having thoughts of hurting myself"),
        required=False,
        help_text=_("If you tick this with Urgent, crisis lines are shown to you straight away."),
    )
    use_alias = forms.BooleanField(
        label=_("Use a one-off alias for this request"),
        required=False,
        help_text=_(
            "The advocate sees a random alias instead of your pseudonym, so this request "
            "cannot be linked to your other requests or posts."
        ),
    )

    def __init__(self, *args, advocate: AdvocateProfile | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if advocate is not None:
            self.fields["specialty"].queryset = advocate.specialties.all()
            self.fields["language"].choices = [
                choice for choice in SUPPORT_LANGUAGES if choice[0] in advocate.language_codes
            ]


class HandoverForm(forms.Form):
    to_advocate = forms.ChoiceField(label=_("Hand over to"))

    def __init__(self, *args, advocates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_advocate"].choices = [
            (advocate.user_id, advocate.user.profile.pseudonym) for advocate in advocates
        ]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How helpful was this support? (1 = not at all, 5 = very)"),
        choices=[(value, str(value)) for value in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Your feedback"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("At least a sentence. Only staff read this; your advocate does not."),
    )

    def clean_comment(self):
        comment = self.cleaned_data["comment"]
        if not is_at_least_a_sentence(comment):
            raise forms.ValidationError(_("Write at least a sentence."), code="too_short")
        return comment
