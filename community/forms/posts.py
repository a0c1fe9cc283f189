"""Forms for threads and replies. Each keeps what the person typed and says what is wrong."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Post


class ThreadForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "body", "content_warning", "is_anonymous"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        labels = {"is_anonymous": _("Post anonymously (shown as “Anonymous member”)")}
        help_texts = {
            "content_warning": _(
                "Optional. If set, readers see only this warning until they open the post."
            ),
            "body": _("Markdown is allowed."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True
        self.fields["title"].error_messages["required"] = _("Give your thread a title.")
        self.fields["body"].error_messages["required"] = _("Write something before posting.")

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give your thread a title."))
        return title

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write something before posting."))
        return body


class ReplyForm(ThreadForm):
    class Meta(ThreadForm.Meta):
        fields = ["body", "content_warning", "is_anonymous"]
        labels = {
            "body": _("Your reply"),
            "is_anonymous": _("Reply anonymously (shown as “Anonymous member”)"),
        }

    def __init__(self, *args, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        self.fields["body"].error_messages["required"] = _("Write something before posting.")


class EditPostForm(ThreadForm):
    class Meta(ThreadForm.Meta):
        fields = ["title", "body", "content_warning"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_thread:
            del self.fields["title"]
