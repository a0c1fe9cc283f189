"""The training modules' checks, and members' perspectives on the library's articles."""

from django import forms
from django.utils.translation import gettext_lazy as _


class TrainingCheckForm(forms.Form):
    """One radio group per question of the module's check."""

    def __init__(self, *args, module, **kwargs):
        super().__init__(*args, **kwargs)
        for number, question in enumerate(module.questions.all(), start=1):
            self.fields[f"question_{question.pk}"] = forms.TypedChoiceField(
                label=f"{number}. {question.prompt}",
                choices=[(choice.pk, choice.text) for choice in question.choices.all()],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose an answer.")},
            )

    def answers(self) -> dict[int, int]:
        return {
            int(name.removeprefix("question_")): value for name, value in self.cleaned_data.items()
        }


class PerspectiveForm(forms.Form):
    body = forms.CharField(
        label=_("Your perspective"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What you learned, in your own words. Markdown works; at most 2,000 characters."
        ),
    )
    content_warning = forms.CharField(
        label=_("Content warning (optional)"),
        max_length=200,
        required=False,
        help_text=_("Others see this first and open your text only if they choose to."),
    )
    is_anonymous = forms.BooleanField(
        label=_("Share anonymously"),
        required=False,
        help_text=_(
            "Your pseudonym is not shown. Only site moderators can see who wrote it, if they "
            "must act on it."
        ),
    )


class PerspectiveEditForm(forms.Form):
    body = PerspectiveForm.base_fields["body"]
    content_warning = PerspectiveForm.base_fields["content_warning"]
