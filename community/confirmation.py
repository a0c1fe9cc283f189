"""The one confirmation step for destructive and moderation actions (issue 13, decision 0071).

A view that acts on a POST calls `ask_first` once its access checks have passed. The first POST
(from the button on the page) gets back `templates/confirm.html`: what will happen, the button
that does it, and "Cancel". That page posts the same fields again with `confirmed=1`, and only
then does `ask_first` return None and the view act. It works without JavaScript, and a form
(a reason, say) shows on the step with its errors, so nothing the person typed is lost.

Pages whose step is reached by a link (leaving a group, withdrawing a request, removing or
banning a post's author) render the same template from a GET."""

from collections.abc import Iterable

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRMED = "confirmed"
_NOT_REPLAYED = {"csrfmiddlewaretoken", CONFIRMED}


def is_confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRMED) == "1"


def ask_first(
    request: HttpRequest,
    *,
    heading: str,
    consequences: Iterable[str],
    confirm_label: str,
    cancel_url: str,
    form: forms.Form | None = None,
    danger: bool = True,
) -> HttpResponse | None:
    """None once the person confirmed (and `form`, if any, is valid); else the step to show."""
    if is_confirmed(request) and (form is None or form.is_valid()):
        return None
    shown = set(form.fields) if form is not None else set()
    replay = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_REPLAYED and name not in shown
        for value in values
    ]
    has_errors = form is not None and is_confirmed(request) and bool(form.errors)
    return render(
        request,
        "confirm.html",
        {
            "heading": heading,
            "consequences": list(consequences),
            "confirm_label": confirm_label,
            "cancel_url": cancel_url,
            "form": form,
            "replay": replay,
            "confirm_danger": danger,
        },
        status=400 if has_errors else 200,
    )
