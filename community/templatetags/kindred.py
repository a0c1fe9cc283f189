"""Presentation helpers only: rendering, never decisions."""

from django import template
from django.forms import BaseForm

from community.avatars import avatar_svg
from community.dates import render_when
from community.devices import device_label as translated_device_label
from community.durations import describe_duration
from community.sanitize import render_markdown, render_plain

register = template.Library()


@register.filter
def device_label(stored: str) -> str:
    """A stored coarse device label, in the reader's language (community/devices.py)."""
    return translated_device_label(stored or "")


@register.filter
def markdown(text):
    return render_markdown(text or "")


@register.filter
def plain(text):
    return render_plain(text or "")


@register.simple_tag
def avatar(seed, size=40):
    return avatar_svg(seed, size)


@register.simple_tag(takes_context=True)
def page_has_form_errors(context) -> bool:
    """Whether a form on the page came back with errors, for base.html's "Error:" title.
    Only forms already validated count: asking an unvalidated form would run its clean().
    The message composers, which are not Django forms, pass their refusal as `error`."""
    if isinstance(context.get("error"), str) and context.get("error"):
        return True
    for layer in context.dicts:
        for value in layer.values():
            if isinstance(value, BaseForm) and value.is_bound and value._errors:
                return True
    return False


@register.filter
def when(value):
    """Any date or time on a page: `{{ post.created_at|when }}` (community/dates.py)."""
    return render_when(value)


@register.filter
def duration(delta):
    """A timedelta as a person reads it ("3 hours"); empty for None."""
    return describe_duration(delta) if delta is not None else ""
