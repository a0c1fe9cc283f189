"""The search form: posted, so the words never reach an address bar, a history entry or an
access log."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.search import QUERY_MAX_LENGTH, search_terms


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search your groups and conversations"),
        max_length=QUERY_MAX_LENGTH,
        help_text=_(
            "Finds posts in your groups and messages in your rooms and conversations that "
            "contain every word you type. Your words are not kept."
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        error_messages={
            "required": _("Type at least one word to search for."),
            "max_length": _("Use at most %(limit_value)d characters."),
        },
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def clean_q(self):
        query = self.cleaned_data["q"]
        if not search_terms(query):
            raise forms.ValidationError(_("Type at least one word (letters or digits)."))
        return query
