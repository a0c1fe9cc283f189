"""A coarse name for the device behind a request: "Firefox on Windows", "Safari on iPhone".

Only this label is ever stored (sign-in activity, allauth's session rows), never the user-agent
string itself: the full string, with its versions and build numbers, is close to a fingerprint,
and a member needs no more than the browser and the kind of device to recognise a sign-in
(docs/decisions/0008-sign-in-activity-and-lockout.md).
"""

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

# First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari".
BROWSERS = (
    (re.compile(r"\bEdg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"\b(OPR|Opera)/"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\b(Firefox|FxiOS)/"), "Firefox"),
    (re.compile(r"\b(HeadlessChrome|Chrome|Chromium|CriOS)/"), "Chrome"),
    (re.compile(r"\bVersion/[\d.]+.*\bSafari/"), "Safari"),
)
# Before the desktop systems: iPhones say "like Mac OS X", Android says "Linux".
PLATFORMS = (
    (re.compile(r"\biPhone\b"), "iPhone"),
    (re.compile(r"\biPad\b"), "iPad"),
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\bMacintosh\b|\bMac OS X\b"), "macOS"),
    (re.compile(r"\bLinux\b|\bX11\b"), "Linux"),
)
UNKNOWN_BROWSER = _("Unknown browser")
UNKNOWN_PLATFORM = _("unknown device")
# Longest label these tables can build; the columns that hold one are sized by it.
MAX_LABEL_LENGTH = 40


def _first_match(table, user_agent: str) -> str | None:
    return next((name for pattern, name in table if pattern.search(user_agent)), None)


def coarse_device(user_agent: str) -> str:
    """The browser and the kind of device, in English (a stored value, like an enum); nothing
    else of the user agent survives."""
    user_agent = user_agent or ""
    browser = _first_match(BROWSERS, user_agent) or UNKNOWN_BROWSER
    platform = _first_match(PLATFORMS, user_agent) or UNKNOWN_PLATFORM
    return f"{browser} on {platform}"


def device_label(stored: str) -> str:
    """A stored label ("Firefox on Windows") as the member reads it, in their language: the
    product names stay, the words around them are translated."""
    browser, separator, platform = stored.rpartition(" on ")
    if not separator:
        return stored
    return gettext("%(browser)s on %(platform)s") % {
        "browser": gettext(browser) if browser == UNKNOWN_BROWSER else browser,
        "platform": gettext(platform) if platform == UNKNOWN_PLATFORM else platform,
    }
