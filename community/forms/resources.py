"""The training modules' checks."""

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
