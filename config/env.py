"""Reads Kindred's configuration from the environment, once, at settings import."""

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
# A length of time as people write it: "24h", "90m", "1h30m", "2d", "45s".
DURATION_PATTERN = re.compile(r"(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?")


class Environment:
    def __init__(self, environ=None):
        self.environ = dict(os.environ if environ is None else environ)

    def str(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        value = self.environ.get(name)
        if value is None or value == "":
            if required:
                raise ImproperlyConfigured(f"{name} must be set in production.")
            return default if default is not None else ""
        return value

    def bool(self, name: str, default: bool) -> bool:
        value = self.environ.get(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")

    def int(self, name: str, default: int) -> int:
        value = self.environ.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError as error:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from error

    def rate(self, name: str, default: str) -> tuple[int, int]:
        """A limit written "<count>/<seconds>", e.g. "20/10"."""
        value = self.str(name, default)
        count, _slash, seconds = value.partition("/")
        try:
            parsed = int(count), int(seconds)
        except ValueError:
            parsed = (0, 0)
        if parsed[0] < 1 or parsed[1] < 1:
            raise ImproperlyConfigured(
                f"{name} must look like 20/10 (count/seconds), not {value!r}."
            )
        return parsed

    def duration(self, name: str, default: str) -> timedelta:
        """A length of time written with units, e.g. "24h", "90m" or "1h30m" (d, h, m, s)."""
        value = self.str(name, default)
        match = DURATION_PATTERN.fullmatch(value.strip().lower())
        parts = match.groupdict() if match else {}
        duration = timedelta(
            days=int(parts.get("d") or 0),
            hours=int(parts.get("h") or 0),
            minutes=int(parts.get("m") or 0),
            seconds=int(parts.get("s") or 0),
        )
        if duration <= timedelta(0):
            raise ImproperlyConfigured(
                f"{name} must be a length of time such as 24h, 90m or 1h30m, not {value!r}."
            )
        return duration

    def list(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]


def generated_secret(path: Path, make) -> str:
    """Returns the secret stored at `path`, creating it with `make()` the first time.

    Embedded mode only: the data folder is git-ignored, so each checkout gets its own keys.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        value = make()
        # O_EXCL: two processes starting at once agree on one key.
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as handle:
            handle.write(value)
        return value


def new_django_secret() -> str:
    return secrets.token_urlsafe(64)


def new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def checked_fernet_keys(keys: list[str]) -> list[str]:
    """The field-encryption keys, each checked to be a Fernet key, so a typo stops start-up
    instead of surfacing later as data no key can open."""
    from cryptography.fernet import Fernet

    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError) as error:
            raise ImproperlyConfigured(
                f"KINDRED_ENCRYPTION_KEYS: key number {position} is not a Fernet key "
                "(32 url-safe base64-encoded bytes)."
            ) from error
    return keys
