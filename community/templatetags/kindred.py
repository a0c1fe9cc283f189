"""Presentation helpers only: rendering, never decisions."""

from django import template

from community.avatars import avatar_svg
from community.durations import describe_duration
from community.sanitize import render_markdown, render_plain

register = template.Library()


@register.filter
def markdown(text):
    return render_markdown(text or "")


@register.filter
def plain(text):
    return render_plain(text or "")


@register.simple_tag
def avatar(seed, size=40):
    return avatar_svg(seed, size)


@register.filter
def duration(delta):
    """A timedelta as a person reads it ("3 hours"); empty for None."""
    return describe_duration(delta) if delta is not None else ""
