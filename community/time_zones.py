"""Which time zone a request reads dates in: the member's own setting (Profile.time_zone), else
the zone their browser reported in the `time_zone` cookie (static/js/time-zone.js), else UTC.

The setting is kept in the session (written when the member signs in or saves it), so finding
the zone costs no query on any page. It is the member's own: it is put on the page only for
them (<html data-time-zone>) and never shown to anyone else. Docs:
docs/decisions/0072-dates-in-the-members-zone.md.
"""

import functools
import zoneinfo

from django.utils import timezone

COOKIE_NAME = "time_zone"
SESSION_KEY = "profile_time_zone"
# Zones the tz database lists that are not places (or are the machine's own).
NOT_PLACES = {"localtime", "Factory"}


@functools.cache
def available_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - NOT_PLACES)


def zone_or_none(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone called `name` if it is a real IANA zone, else None (junk is ignored)."""
    if not name or len(name) > 64 or name not in available_zones():
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def remember_profile_zone(session, name: str) -> None:
    """Keeps the member's own setting in their session ("" when they left it to the browser)."""
    if session.get(SESSION_KEY) != name:
        session[SESSION_KEY] = name


def request_zone_name(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if SESSION_KEY not in request.session:
            # A session from before the setting existed: look it up once and keep it.
            profile = getattr(user, "profile", None)
            remember_profile_zone(request.session, profile.time_zone if profile else "")
        own = request.session.get(SESSION_KEY, "")
        if zone_or_none(own) is not None:
            return own
    browser = request.COOKIES.get(COOKIE_NAME, "")
    if zone_or_none(browser) is not None:
        return browser
    return "UTC"


class MemberTimeZoneMiddleware:
    """Activates the request's zone for templates, forms and `timezone.localtime`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.time_zone_name = request_zone_name(request)
        timezone.activate(zoneinfo.ZoneInfo(request.time_zone_name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
