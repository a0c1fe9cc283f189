from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation.models import AuditLogEntry, Block, ReviewItem, Sanction
from moderation.policy import AUTO_HIDE_THRESHOLD_MAX, AUTO_HIDE_THRESHOLD_MIN, Reason


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=Reason.CHOICES, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only moderators read this. The person you report is never told who you are."),
    )


class AuthorSanctionForm(forms.Form):
    """The reason for removing or banning a post's author, asked on the confirmation page."""

    reason = forms.CharField(
        label=_("Reason (the member is told it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Say which rule was broken. Do not quote the post, and name no one: not who wrote "
            "it, not who reported it."
        ),
    )


class MuteReasonForm(AuthorSanctionForm):
    """A 24-hour mute's reason is optional: without one the member reads the general reason."""

    reason = forms.CharField(
        label=_("Reason (optional, the member is told it)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=AuthorSanctionForm.base_fields["reason"].help_text,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ReviewItem.Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason (the author is told it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    redacted_text = forms.CharField(
        label=_("Redacted text (for “Redact”: the content with identifying details removed)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision") == ReviewItem.Decision.REDACT
            and not cleaned.get("redacted_text", "").strip()
        ):
            self.add_error("redacted_text", _("Write the text as it should read after redaction."))
        return cleaned


DURATION_CHOICES = [
    ("", _("No end time")),
    ("10", _("10 minutes")),
    ("60", _("1 hour")),
    ("1440", _("1 day")),
    ("10080", _("7 days")),
    ("43200", _("30 days")),
]


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Action"), choices=Sanction.Kind.choices)
    reason = forms.CharField(
        label=_("Reason (the member is told it)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    duration = forms.ChoiceField(label=_("For how long"), choices=DURATION_CHOICES, required=False)
    group = forms.ChoiceField(label=_("In which group"), required=False)

    def __init__(self, *args, allow_suspend: bool, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self._groups_by_pk = {str(group.pk): group for group in groups}
        group_choices = [(str(group.pk), group.name) for group in groups]
        if allow_suspend:
            group_choices.append(("", _("No group (site-wide)")))
        self.fields["group"].choices = group_choices
        if not allow_suspend:
            self.fields["kind"].choices = [
                choice for choice in Sanction.Kind.choices if choice[0] != Sanction.Kind.SUSPEND
            ]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Sanction.Kind.MUTE and not cleaned.get("duration"):
            self.add_error("duration", _("A mute needs an end time."))
        if kind in (
            Sanction.Kind.MUTE,
            Sanction.Kind.REMOVE,
            Sanction.Kind.BAN,
        ) and not cleaned.get("group"):
            self.add_error("group", _("Choose the group this applies to."))
        return cleaned

    @property
    def chosen_group(self):
        """The chosen Group, or None for site-wide."""
        return self._groups_by_pk.get(self.cleaned_data.get("group") or "")

    @property
    def ends_at(self):
        minutes = self.cleaned_data.get("duration")
        return timezone.now() + timedelta(minutes=int(minutes)) if minutes else None


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should this decision change?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        choices=[
            ("grant", _("Grant: lift the sanction")),
            ("deny", _("Deny: the sanction stands")),
        ],
    )
    note = forms.CharField(
        label=_("Reason (the member is told it)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RoomControlsForm(forms.Form):
    locked = forms.BooleanField(label=_("Lock the room (read-only for everyone)"), required=False)
    slow_mode_seconds = forms.IntegerField(
        label=_("Slow mode: seconds between messages per member (0 = off)"),
        min_value=0,
        max_value=3600,
    )
    links_restricted = forms.BooleanField(label=_("Only moderators may post links"), required=False)


class ThresholdForm(forms.Form):
    auto_hide_threshold = forms.FloatField(
        label=_("Auto-hide threshold (priority score)"),
        min_value=AUTO_HIDE_THRESHOLD_MIN,
        max_value=AUTO_HIDE_THRESHOLD_MAX,
    )


class BlockForm(forms.Form):
    pseudonym = forms.CharField(label=_("Pseudonym"), max_length=30)
    kind = forms.ChoiceField(
        label=_("What to do"),
        choices=Block.Kind.choices,
        widget=forms.RadioSelect,
        initial=Block.Kind.BLOCK,
        help_text=_(
            "Block: they cannot message you or see your profile, and you do not see "
            "their content. Mute: you silently stop seeing their content."
        ),
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any action")), *AuditLogEntry.Action.choices],
    )
    member = forms.CharField(label=_("Member (pseudonym)"), required=False, max_length=30)
