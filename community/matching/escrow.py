"""The web tier's client of the matching escrow service (decision 0080).

The escrow (`manage.py run_matching_escrow`, its own process and, in production, its own host)
holds the OPRF key. The web tier sends it a member's *blinded* element, which says nothing about
the identifier, and an account tag (an HMAC of the account id under the web tier's secret) for
the escrow's per-account daily limit. It proves itself with ESCROW_SECRET.
"""

import hashlib
import hmac
import json
import urllib.error
import urllib.request

from django.conf import settings

AUTH_HEADER = "X-Kindred-Escrow-Secret"


class EscrowError(Exception):
    """The escrow did not evaluate."""


class EscrowUnavailable(EscrowError):
    """The escrow service cannot be reached (or answered what it should not)."""


class EscrowRateLimited(EscrowError):
    """This account used its evaluations for today."""


class EscrowRefused(EscrowError):
    """The escrow refused the element (not a valid ristretto255 element)."""


def account_tag(user) -> str:
    """What the escrow counts evaluations by: stable per account, not the account id (and
    not an id a later account could reuse: the time it joined is in it)."""
    key = settings.SECRET_KEY.encode()
    message = f"matching-account:{user.pk}:{user.date_joined.isoformat()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _request(path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - ESCROW_URL is the operator's http(s) URL
        settings.ESCROW_URL.rstrip("/") + path,
        data=data,
        method="POST" if data is not None else "GET",
        headers={AUTH_HEADER: settings.ESCROW_SECRET, "Content-Type": "application/json"},
    )
    timeout = settings.ESCROW_TIMEOUT.total_seconds()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            payload = json.loads(error.read() or b"{}")
        except ValueError:
            payload = {}
        return error.code, payload
    except (OSError, ValueError) as error:
        raise EscrowUnavailable(str(error)) from error


def escrow_available() -> bool:
    """Whether the escrow answers, and accepts this web tier's secret."""
    try:
        status, payload = _request("/health")
    except EscrowUnavailable:
        return False
    return status == 200 and payload.get("status") == "ok"


def evaluate(user, blinded_element: bytes) -> bytes:
    """The escrow's BlindEvaluate of `blinded_element`, counted against the account's day."""
    status, payload = _request(
        "/evaluate", {"account": account_tag(user), "blinded": blinded_element.hex()}
    )
    if status == 200 and isinstance(payload.get("evaluated"), str):
        try:
            return bytes.fromhex(payload["evaluated"])
        except ValueError as error:
            raise EscrowUnavailable("The escrow answered an unreadable element.") from error
    if status == 429:
        raise EscrowRateLimited()
    if status == 400:
        raise EscrowRefused(payload.get("error", "refused"))
    raise EscrowUnavailable(f"The escrow answered {status}.")
