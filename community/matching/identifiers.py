"""The one normalisation of an identifier a member names (issue 16, decision 0080).

The browser normalises before anything else (`static/js/matching-identifiers.js`); this copy
exists for the tests and the server-side checks, and `tests/community/matching_vectors.json`
proves both give the same string for the same input. The type prefix ("email:", "phone:",
"url:<host>:") keeps types from ever matching each other.

Phone numbers: the JS side has no libphonenumber (too heavy for the page's budget); it knows
each supported region's calling code and trunk prefix (`PHONE_REGIONS`, the same table in
both) and reduces a number to "+<country code><national number>". phonenumbers checks here
that the result is a possible number, so the two can only disagree on input both refuse.
"""

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import phonenumbers

KINDS = ("email", "phone", "url")

# Region -> (country calling code, national trunk prefix). The browser's table is the same
# (tests/community/test_matching_identifiers.py checks both against phonenumbers).
PHONE_REGIONS = {
    "US": ("1", "1"),
    "CA": ("1", "1"),
    "GB": ("44", "0"),
    "IE": ("353", "0"),
    "AU": ("61", "0"),
    "NZ": ("64", "0"),
    "DE": ("49", "0"),
    "FR": ("33", "0"),
    "NL": ("31", "0"),
    "ES": ("34", ""),
    "PT": ("351", ""),
    "IT": ("39", ""),
    "MX": ("52", ""),
    "AR": ("54", "0"),
    "CO": ("57", "0"),
    "IN": ("91", "0"),
}
# Dropped from a profile URL's host: the same page under another name.
HOST_PREFIXES = ("www.", "m.", "mobile.")
MAX_LENGTH = 320


class IdentifierError(ValueError):
    """Not an identifier of its kind; `code` names the reason for the form."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Identifier:
    kind: str
    normalised: str  # with its type prefix: what the OPRF is evaluated on


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        raise IdentifierError("empty")
    if len(text) > MAX_LENGTH:
        raise IdentifierError("too_long")
    return text


_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")


def normalise_email(text: str) -> str:
    value = _clean(text).lower()
    if not _EMAIL.match(value):
        raise IdentifierError("email")
    return f"email:{value}"


def _phone_digits(text: str, region: str) -> str:
    """ "+<cc><national>" by the regions table: the browser's algorithm, step for step."""
    value = _clean(text)
    international = value.startswith("+")
    # "+44 (0)20 …": the trunk prefix written in brackets after the country code.
    digits = re.sub(r"\D", "", value.replace("(0)", "") if international else value)
    region = (region or "US").upper()
    code, trunk = PHONE_REGIONS.get(region, PHONE_REGIONS["US"])
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    elif not international and code == "1" and digits.startswith("011"):
        international, digits = True, digits[3:]
    if not international:
        if code == "1":
            if len(digits) == 11 and digits.startswith("1"):
                digits = digits[1:]
        elif trunk and digits.startswith(trunk):
            digits = digits[len(trunk) :]
        digits = code + digits
    if not 8 <= len(digits) <= 15 or (digits.startswith("1") and len(digits) != 11):
        raise IdentifierError("phone")
    return "+" + digits


def normalise_phone(text: str, region: str = "US") -> str:
    e164 = _phone_digits(text, region)
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException as error:
        raise IdentifierError("phone") from error
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise IdentifierError("phone")
    if phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) != e164:
        raise IdentifierError("phone")
    return f"phone:{e164}"


def normalise_url(text: str) -> str:
    value = _clean(text)
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError as error:
        raise IdentifierError("url") from error
    if parts.scheme.lower() not in ("http", "https") or "." not in host:
        raise IdentifierError("url")
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix) :]
            break
    # The path as the browser's URL parser gives it (non-ASCII and spaces percent-encoded),
    # lower-cased: the common platforms' handles are case-insensitive.
    path = quote(parts.path, safe="!$&'()*+,;=:@/-._~%")
    segments = [segment for segment in path.lower().split("/") if segment]
    if not segments:
        raise IdentifierError("url_path")  # a site, not a profile on it
    return f"url:{host}:/" + "/".join(segments)


def normalise(kind: str, text: str, region: str = "US") -> Identifier:
    if kind == "email":
        return Identifier(kind, normalise_email(text))
    if kind == "phone":
        return Identifier(kind, normalise_phone(text, region))
    if kind == "url":
        return Identifier(kind, normalise_url(text))
    raise IdentifierError("kind")
