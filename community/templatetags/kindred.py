"""Presentation helpers only: rendering, never decisions."""

from django import template

from community.avatars import avatar_svg
from community.dates import render_when
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
def when(value):
    """Any date or time on a page: `{{ post.created_at|when }}` (community/dates.py)."""
    return render_when(value)
