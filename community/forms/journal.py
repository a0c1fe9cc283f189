"""Forms of the private journal: entries, search, reminders, export, wiping and sharing."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from community.models import IncidentChannel
from community.services.journal import CONTENT_FIELDS, EntryContent
from community.services.journal_evidence import (
    MAX_EVIDENCE_BYTES,
    MAX_FILES_PER_SAVE,
    EvidenceRejected,
    prepare_evidence,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data if item]
        return [single_clean(data, initial)] if data else []

    def has_changed(self, initial, data):
        return bool(data)


def optional_notes(label, *, max_length: int, rows: int, help_text: str = ""):
    """One of the entry's optional free-text fields: a short textarea."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


class EntryForm(forms.Form):
    title = forms.CharField(
        label=_("Short title"),
        max_length=200,
        help_text=_("A few words you will recognise later, for example “Stand-up, 3rd time”."),
    )
    occurred_on = forms.DateField(
        label=_("Date it happened"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    occurred_time = forms.TimeField(
        label=_("Time (optional)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    date_is_approximate = forms.BooleanField(
        label=_("The date or time is approximate"),
        required=False,
    )
    channel = forms.ChoiceField(label=_("How it happened"), choices=IncidentChannel.choices)
    place = optional_notes(_("Place or meeting details"), max_length=1000, rows=2)
    people_involved = optional_notes(_("People involved"), max_length=2000, rows=2)
    witnesses = optional_notes(_("Witnesses"), max_length=2000, rows=2)
    what_happened = forms.CharField(
        label=_("What happened"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Write what was said and done, in the words used if you remember them."),
    )
    effect = optional_notes(_("How it affected you"), max_length=5000, rows=3)
    actions_taken = optional_notes(
        _("What you did next"),
        max_length=5000,
        rows=3,
        help_text=_("Whom you told, when, and how they responded."),
    )
    retaliation_for = forms.ChoiceField(
        label=_("Retaliation for an earlier entry?"),
        required=False,
        help_text=_("Choose the earlier entry if you think this happened because of it."),
    )
    evidence = MultipleFileField(
        label=_("Evidence (optional)"),
        required=False,
        # Lazy as a whole: `lazy_text % values` would be translated once, at import, in the
        # language of whichever request came first.
        help_text=lazy(
            lambda: (
                gettext(
                    "Up to %(count)s files of at most %(size)s MB each: images (JPEG, PNG, WebP, "
                    "GIF), PDF or plain text. Location and camera details are removed from images. "
                    "If the form shows an error, choose the files again."
                )
                % {"count": MAX_FILES_PER_SAVE, "size": MAX_EVIDENCE_BYTES // (1024 * 1024)}
            ),
            str,
        )(),
    )

    def __init__(self, *args, earlier_entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.earlier_entries = {entry.public_id: entry for entry in earlier_entries}
        self.fields["retaliation_for"].choices = [("", _("No"))] + [
            (
                entry.public_id,
                f"{entry.current_version.occurred_on:%Y-%m-%d} · {entry.current_version.title}",
            )
            for entry in earlier_entries
        ]
        self.prepared_evidence = []

    def clean_occurred_on(self):
        occurred_on = self.cleaned_data["occurred_on"]
        if occurred_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return occurred_on

    def clean_evidence(self):
        uploads = self.cleaned_data.get("evidence") or []
        if len(uploads) > MAX_FILES_PER_SAVE:
            raise forms.ValidationError(
                _("Attach at most %(count)s files at a time.") % {"count": MAX_FILES_PER_SAVE}
            )
        prepared, errors = [], []
        for upload in uploads:
            try:
                prepared.append(prepare_evidence(upload))
            except EvidenceRejected as error:
                errors.append(str(error))
        if errors:
            raise forms.ValidationError(errors)
        self.prepared_evidence = prepared
        return uploads

    def content(self) -> EntryContent:
        data = {name: self.cleaned_data[name] for name in CONTENT_FIELDS}
        occurred_time = data["occurred_time"]
        data["occurred_time"] = occurred_time.strftime("%H:%M") if occurred_time else ""
        return EntryContent(
            **data,
            retaliation_for=self.earlier_entries.get(self.cleaned_data["retaliation_for"]),
        )

    @classmethod
    def initial_from(cls, version) -> dict:
        initial = {name: getattr(version, name) for name in CONTENT_FIELDS}
        # A time object, not the stored "HH:MM", so has_changed() compares like with like.
        initial["occurred_time"] = (
            datetime.time.fromisoformat(version.occurred_time) if version.occurred_time else None
        )
        initial["retaliation_for"] = (
            version.retaliation_for.public_id if version.retaliation_for else ""
        )
        return initial


class SearchForm(forms.Form):
    """Sent by POST, so the words never reach a URL, a server log or the browser history."""

    query = forms.CharField(label=_("Search your journal"), max_length=200)


class ReminderForm(forms.Form):
    due_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("What to remember"),
        max_length=500,
        help_text=_(
            "For example a deadline an advocate told you about. Kindred does not "
            "know or check any legal deadlines."
        ),
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        widget=forms.RadioSelect,
        choices=[("pdf", _("PDF, ready to print")), ("json", _("JSON, for a computer to check"))],
        initial="pdf",
    )
    include_evidence = forms.BooleanField(
        label=_("Bundle the evidence files too (a zip archive)"),
        required=False,
    )


class ConfirmWipeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand every entry, version, evidence file and reminder is destroyed "
            "and cannot be recovered."
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class ShareEntryForm(forms.Form):
    """The choices are the owner's own accepted requests: nothing else can be picked."""

    support_request = forms.ModelChoiceField(
        label=_("Share read-only with the advocate of"),
        queryset=None,
        empty_label=_("Choose a support request"),
        error_messages={"invalid_choice": _("Choose one of your accepted support requests.")},
    )

    def __init__(self, *args, support_requests, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["support_request"]
        field.queryset = support_requests
        field.label_from_instance = lambda support_request: (
            _("Request #%(number)s (%(specialty)s), opened %(opened)s")
            % {
                "number": support_request.pk,
                "specialty": support_request.specialty,
                "opened": date_format(timezone.localdate(support_request.created_at)),
            }
        )
