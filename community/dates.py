"""The one way a date or time is shown: `<time datetime="…UTC…" title="full date">text</time>`.

Within the last day the text is relative ("5 minutes ago", "3 hours ago"); older, future and
calendar dates are absolute ("2 Dec 2026, 14:05"), in the active language's format
(config/formats/) and the active time zone (community.time_zones). The browser refreshes the
relative ones every minute (static/js/when.js), by the same rule.
"""

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext

RELATIVE_FOR = datetime.timedelta(days=1)


def full_date_format() -> str:
    # Translators: the full date shown when pointing at a date, in Django's date format
    # syntax (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date).
    return pgettext("full date and time", "l j F Y, H:i T")


def relative_text(moment: datetime.datetime, now: datetime.datetime) -> str | None:
    """ "3 hours ago" for a moment in the last day, else None. A moment a little ahead of the
    server's clock (a client's clock, a rounding) counts as now."""
    elapsed = now - moment
    if elapsed < -datetime.timedelta(minutes=1) or elapsed >= RELATIVE_FOR:
        return None
    minutes = int(elapsed.total_seconds() // 60)
    if minutes < 1:
        return gettext("just now")
    if minutes < 60:
        return ngettext("%(count)d minute ago", "%(count)d minutes ago", minutes) % {
            "count": minutes
        }
    hours = minutes // 60
    return ngettext("%(count)d hour ago", "%(count)d hours ago", hours) % {"count": hours}


def absolute_text(moment: datetime.datetime) -> str:
    """Plain text ("2 Dec 2026, 14:05") in the active zone, for a message to this reader."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def absolute_text_for_someone_else(moment: datetime.datetime) -> str:
    """Plain text stored now and read later by another person (a notice to a member): in UTC,
    saying so, never in the writer's zone, which is theirs alone."""
    return gettext("%(moment)s UTC") % {
        "moment": date_format(moment.astimezone(datetime.UTC), "DATETIME_FORMAT")
    }


def render_when(value, *, now: datetime.datetime | None = None):
    """The `<time>` element for a datetime (aware, or naive in UTC) or a date; "" for None."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.datetime):
        return format_html(
            '<time datetime="{}">{}</time>', value.isoformat(), date_format(value, "DATE_FORMAT")
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    utc = value.astimezone(datetime.UTC).replace(microsecond=0)
    title = date_format(timezone.localtime(value), full_date_format())
    relative = relative_text(value, now or timezone.now())
    if relative is None:
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            utc.isoformat().replace("+00:00", "Z"),
            title,
            absolute_text(value),
        )
    return format_html(
        '<time datetime="{}" title="{}" data-when="relative">{}</time>',
        utc.isoformat().replace("+00:00", "Z"),
        title,
        relative,
    )
