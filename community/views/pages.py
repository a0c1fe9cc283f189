from django.shortcuts import render
from django.utils import timezone

from community.selectors.journal import due_reminders


def home(request):
    if request.user.is_authenticated:
        # One query whatever the number of reminders: the dates are encrypted, so the
        # selector compares them in Python over the member's own rows.
        reminders = due_reminders(owner_id=request.user.pk, today=timezone.localdate())
        return render(request, "community/dashboard.html", {"due_reminders": reminders})
    return render(request, "community/landing.html")


def privacy(request):
    return render(request, "community/privacy.html")
