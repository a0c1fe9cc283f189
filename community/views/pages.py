from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
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
