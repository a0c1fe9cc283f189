"""Forms for groups: proposals, joining, decisions, invites, the directory and settings. Each
keeps what the person typed and says what is wrong."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.before_you_send import split_words
from community.models import Group

ACCEPT_LABEL = _("I have read and accept the code of conduct and this group's rules.")


class GroupProposalForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Topic tags"),
        required=False,
        max_length=200,
        help_text=_("Separate tags with commas, for example: retaliation, remote work."),
    )
    accept_code_of_conduct = forms.BooleanField(
        label=_("I have read and accept the code of conduct."),
        error_messages={"required": _("Please accept the code of conduct to propose a group.")},
    )

    class Meta:
        model = Group
        fields = ["name", "description", "rules", "visibility", "join_policy", "history_policy"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "rules": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "description": _("Markdown is allowed."),
            "rules": _("What members agree to, on top of the code of conduct."),
        }

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if len(name) < 3:
            raise forms.ValidationError(_("Give the group a name of at least 3 characters."))
        return name

    def clean_tags(self):
        names = []
        for raw in self.cleaned_data["tags"].split(","):
            name = " ".join(raw.split()).lower()
            if not name:
                continue
            if len(name) > 40:
                raise forms.ValidationError(_("Each tag can be at most 40 characters."))
            if name not in names:
                names.append(name)
        if len(names) > 8:
            raise forms.ValidationError(_("Use at most 8 tags."))
        return names


class JoinForm(forms.Form):
    accept_rules = forms.BooleanField(
        label=ACCEPT_LABEL,
        error_messages={
            "required": _("Please accept the code of conduct and the group rules to join.")
        },
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("decline", _("Decline"))],
        error_messages={"required": _("Choose approve or decline.")},
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason (optional, sent to the person)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("The reason is too long (1000 characters at most).")},
    )


class InviteForm(forms.Form):
    valid_hours = forms.IntegerField(
        label=_("Valid for (hours)"), min_value=1, max_value=24 * 30, initial=72
    )
    max_uses = forms.IntegerField(label=_("Number of uses"), min_value=1, max_value=100, initial=1)


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name or tag"), required=False, max_length=80)
    tag = forms.ChoiceField(label=_("Topic"), required=False)

    def __init__(self, *args, tag_names=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("All topics"))] + [(name, name) for name in tag_names]


class GroupSettingsForm(GroupProposalForm):
    """The owner's form for an existing group: the same fields, without the acceptance."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["accept_code_of_conduct"]
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())


MAX_WATCHED_WORDS = 200


class WatchedWordsForm(forms.Form):
    """A group's moderators' list of words everyone is warned about before sending here."""

    watched_words = forms.CharField(
        label=_("Watched words"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            "One per line: names that could out someone in this group (a company, a site, a "
            "team). Members who write one are warned before it is sent; nothing is blocked."
        ),
    )

    def clean_watched_words(self):
        words = split_words(self.cleaned_data["watched_words"])
        if len(words) > MAX_WATCHED_WORDS:
            raise forms.ValidationError(
                _("At most %(count)s words or phrases.") % {"count": MAX_WATCHED_WORDS},
                code="too_many",
            )
        return "\n".join(words)
