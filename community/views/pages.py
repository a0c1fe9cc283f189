from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from community.selectors.journal import due_reminders
from community.services.profiles import dismiss_safer_device_notice


def home(request):
    if request.user.is_authenticated:
        # One query whatever the number of reminders: the dates are encrypted, so the
        # selector compares them in Python over the member's own rows.
        reminders = due_reminders(owner_id=request.user.pk, today=timezone.localdate())
        return render(request, "community/dashboard.html", {"due_reminders": reminders})
    return render(request, "community/landing.html")


@require_POST
@login_required
def safer_device_notice_dismiss(request):
    dismiss_safer_device_notice(user=request.user)
    return redirect("home")


def privacy(request):
    return render(request, "community/privacy.html")


class _SpecimenForm(forms.Form):
    """The form pattern, shown on the design page with its errors (docs/design.md)."""

    pseudonym = forms.CharField(label=_("Pseudonym"), help_text=_("Shown to other members."))
    kind = forms.ChoiceField(
        label=_("What kind of help"),
        choices=[("peer", _("Peer support")), ("legal", _("Legal"))],
        widget=forms.RadioSelect,
    )
    appear_offline = forms.BooleanField(
        label=_("Appear offline"), help_text=_("Others do not see you in rooms.")
    )


def design(request):
    """The design system's specimen page (docs/design.md): every token and component on one
    page, in DEBUG only."""
    if not settings.DEBUG:
        raise Http404
    form = _SpecimenForm(data={"pseudonym": ""})
    form.is_valid()
    return render(request, "community/design.html", {"form": form})
