"""The navigation's current-page marker: `<a href="{% url 'x' %}"{% current 'x' %}>`."""

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def current(context, url_name, *also):
    """` aria-current="page"` on the link to the page being shown, ` aria-current="true"` on
    the link of the section it belongs to (its URL, or one of `also`, is a prefix of the
    path); nothing otherwise. The home page's link marks the home page only."""
    request = context.get("request")
    if request is None:
        return ""
    url = reverse(url_name)
    if request.path == url:
        return mark_safe(' aria-current="page"')
    prefixes = [prefix for prefix in (url, *also) if prefix != "/"]
    if any(request.path.startswith(prefix) for prefix in prefixes):
        return mark_safe(' aria-current="true"')
    return ""
