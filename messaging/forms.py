from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.models import ChatAnnouncements, NotificationPreferences


class NotificationPreferencesForm(forms.ModelForm):
    class Meta:
        model = NotificationPreferences
        fields = [
            "mentions",
            "direct_messages",
            "replies",
            "moderation",
            "support",
            "show_details",
            "chat_announcements",
        ]
        widgets = {"chat_announcements": forms.RadioSelect}
        help_texts = {
            "show_details": _(
                "Off, the bell and live notices say only “New activity”: someone glancing at "
                "your screen learns nothing. On, they say who and what."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["show_details"].widget.attrs["aria-describedby"] = "id_show_details_helptext"
        # A form sent without it (an older page) keeps the default rather than failing.
        self.fields["chat_announcements"].required = False

    def clean_chat_announcements(self) -> str:
        return self.cleaned_data.get("chat_announcements") or ChatAnnouncements.ALL
