"""The matching escrow service (decision 0080): a small HTTP process that holds the OPRF key
and evaluates blinded elements for the web tier, at most ESCROW_DAILY_LIMIT a day per account.

- Its key comes from its own environment, ESCROW_OPRF_KEY (64 hex digits, a seed the RFC 9497
  DeriveKeyPair turns into the scalar). Only this command reads it; the web tier's settings
  never do. Embedded mode without it: a seed generated once into var/escrow/oprf_seed.
  Production (KINDRED_ENV=production) refuses to start without it.
- It keeps no log of inputs: no access log at all, and nothing of a request is kept but the
  day's count per account tag (in memory; a restart starts the day's counts again).
- The web tier proves itself with ESCROW_SECRET in the X-Kindred-Escrow-Secret header.

    POST /evaluate  {"account": "<tag>", "blinded": "<64 hex>"}  -> {"evaluated": "<64 hex>"}
                    400 not a valid element · 401 wrong secret · 429 the account's day is used
    GET  /health    -> {"status": "ok"} (with the right secret)
"""

import hmac
import json
import os
import secrets
import signal
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from community.matching import oprf
from community.matching.escrow import AUTH_HEADER

KEY_INFO = b"kindred matching escrow v1"
MAX_BODY = 4096


def _embedded_seed() -> str:
    """Embedded mode only: a seed made once into the git-ignored data folder (O_EXCL, so two
    processes starting at once agree on one)."""
    path = settings.DATA_DIR / "escrow" / "oprf_seed"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    seed = secrets.token_hex(32)
    with os.fdopen(descriptor, "w") as file:
        file.write(seed)
    return seed


def _oprf_key() -> bytes:
    seed = os.environ.get("ESCROW_OPRF_KEY", "").strip()
    if not seed:
        if settings.PRODUCTION:
            raise CommandError("ESCROW_OPRF_KEY must be set in the escrow's environment.")
        seed = _embedded_seed()
    try:
        raw = bytes.fromhex(seed)
    except ValueError as error:
        raise CommandError("ESCROW_OPRF_KEY must be 64 hex digits.") from error
    if len(raw) != 32:
        raise CommandError("ESCROW_OPRF_KEY must be 64 hex digits.")
    secret, _public = oprf.derive_key_pair(raw, KEY_INFO)
    return secret


class DailyLimit:
    """Evaluations per account tag per UTC day; only today's counts are kept."""

    def __init__(self, limit: int):
        self.limit = limit
        self.lock = threading.Lock()
        self.day = None
        self.counts: dict[str, int] = {}

    def take(self, account: str) -> bool:
        today = datetime.now(UTC).date()
        with self.lock:
            if today != self.day:
                self.day, self.counts = today, {}
            used = self.counts.get(account, 0)
            if used >= self.limit:
                return False
            self.counts[account] = used + 1
            return True


def make_handler(secret_key: bytes, shared_secret: str, limit: DailyLimit):
    class EscrowHandler(BaseHTTPRequestHandler):
        server_version = "escrow"
        sys_version = ""

        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            """No access log: a request line, a time and an account are left nowhere."""

        def _answer(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _authorised(self) -> bool:
            given = self.headers.get(AUTH_HEADER, "")
            return hmac.compare_digest(given.encode(), shared_secret.encode())

        def do_GET(self):  # noqa: N802 - http.server's name
            if urlsplit(self.path).path != "/health":
                return self._answer(404, {"error": "not_found"})
            if not self._authorised():
                return self._answer(401, {"error": "unauthorised"})
            return self._answer(200, {"status": "ok"})

        def do_POST(self):  # noqa: N802 - http.server's name
            if urlsplit(self.path).path != "/evaluate":
                return self._answer(404, {"error": "not_found"})
            if not self._authorised():
                return self._answer(401, {"error": "unauthorised"})
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 < length <= MAX_BODY:
                return self._answer(400, {"error": "body"})
            try:
                payload = json.loads(self.rfile.read(length))
                account = payload["account"]
                blinded = bytes.fromhex(payload["blinded"])
            except (ValueError, KeyError, TypeError):
                return self._answer(400, {"error": "body"})
            if not isinstance(account, str) or not 16 <= len(account) <= 128:
                return self._answer(400, {"error": "account"})
            try:
                oprf.deserialize_element(blinded)
            except oprf.OprfError:
                return self._answer(400, {"error": "element"})
            if not limit.take(account):
                return self._answer(429, {"error": "rate_limited"})
            evaluated = oprf.blind_evaluate(secret_key, blinded)
            return self._answer(200, {"evaluated": evaluated.hex()})

    return EscrowHandler


class Command(BaseCommand):
    help = "Runs the matching escrow service (the OPRF key's only holder)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=None, help="host:port (default: ESCROW_URL's)")

    def handle(self, *args, bind=None, **options):
        secret_key = _oprf_key()
        if bind:
            host, _, port = bind.rpartition(":")
        else:
            parts = urlsplit(settings.ESCROW_URL)
            host, port = parts.hostname or "127.0.0.1", parts.port or 8790
        server = ThreadingHTTPServer(
            (host, int(port)),
            make_handler(
                secret_key, settings.ESCROW_SECRET, DailyLimit(settings.ESCROW_DAILY_LIMIT)
            ),
        )
        server.daemon_threads = True

        def stop(signum, frame):
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Matching escrow listening on {host}:{port}", ending="\n")
        self.stdout.flush()
        try:
            server.serve_forever()
        finally:
            server.server_close()
