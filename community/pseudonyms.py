"""Pseudonyms: generated suggestions and the rules that keep them from identifying anyone."""

import re
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ADJECTIVES = [
    "Quiet",
    "Steady",
    "Bright",
    "Gentle",
    "Brave",
    "Calm",
    "Clever",
    "Kind",
    "Patient",
    "Bold",
    "Warm",
    "Swift",
    "Hopeful",
    "Silver",
    "Amber",
    "Cedar",
    "Misty",
    "Sunny",
    "Lucky",
    "Wise",
]
NOUNS = [
    "Heron",
    "Otter",
    "Maple",
    "River",
    "Falcon",
    "Willow",
    "Badger",
    "Comet",
    "Harbor",
    "Lark",
    "Fern",
    "Pebble",
    "Sparrow",
    "Juniper",
    "Meadow",
    "Beacon",
    "Orchid",
    "Finch",
    "Aspen",
    "Robin",
]

PSEUDONYM_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{1,28}[A-Za-z0-9]$")
LOOKS_LIKE_EMAIL = re.compile(r"@|\bat\b.*\bdot\b", re.IGNORECASE)
LOOKS_LIKE_URL = re.compile(
    r"(://|\bwww\.|\.(com|org|net|io|dev|co|uk|de|fr|app|me|info|biz|xyz)\b)", re.IGNORECASE
)
LOOKS_LIKE_PHONE = re.compile(r"(\d[\s.\-]?){7,}")


def generate_pseudonym() -> str:
    return f"{secrets.choice(ADJECTIVES)}{secrets.choice(NOUNS)}{secrets.randbelow(90) + 10}"


def validate_pseudonym(value: str) -> None:
    if LOOKS_LIKE_EMAIL.search(value):
        raise ValidationError(
            _("A pseudonym cannot look like an email address."), code="email_like"
        )
    if LOOKS_LIKE_URL.search(value):
        raise ValidationError(_("A pseudonym cannot look like a web address."), code="url_like")
    if LOOKS_LIKE_PHONE.search(value):
        raise ValidationError(_("A pseudonym cannot look like a phone number."), code="phone_like")
    if not PSEUDONYM_SHAPE.match(value):
        raise ValidationError(
            _(
                "Use 3 to 30 letters, digits, spaces, dots, dashes or underscores, "
                "starting and ending with a letter or digit."
            ),
            code="shape",
        )
