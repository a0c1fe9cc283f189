"""Presentation helpers only: rendering, never decisions."""

from django import template

from community.avatars import avatar_svg
from community.devices import device_label as translated_device_label
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
