"""Short-lived TURN credentials, per participant, in coturn's `use-auth-secret` REST scheme
(draft-uberti-behave-turn-rest): the username is "<expiry unix time>:<name>", the password is
base64(HMAC-SHA1(shared secret, username)). coturn, started with the same
`static-auth-secret`, checks the HMAC and refuses the username once its time has passed; the
server keeps no per-call state in coturn.

Only admitted participants of a call ever receive these (messaging.consumers): the relay is
the only path media may take (`iceTransportPolicy: "relay"`), so nobody learns another's
network address (DESIGN.md invariant 11)."""

import base64
import hashlib
import hmac
import time

from django.conf import settings


def calls_available() -> bool:
    """Calls need Kindred's own relay: without one there are none (never a public STUN)."""
    return bool(settings.TURN_URLS and settings.TURN_SECRET)


def turn_password(*, secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def ice_servers_for(*, peer_id: str, now: float | None = None) -> list[dict]:
    """The `iceServers` a participant's browser uses: Kindred's relay only. The username
    names the call's random peer id, never the account."""
    if not calls_available():
        return []
    now = time.time() if now is None else now
    expires = int(now + settings.TURN_CREDENTIAL_TTL.total_seconds())
    username = f"{expires}:{peer_id}"
    return [
        {
            "urls": list(settings.TURN_URLS),
            "username": username,
            "credential": turn_password(secret=settings.TURN_SECRET, username=username),
        }
    ]


# Embedded mode's local relay: Debian's coturn, where the machine has it.
TURNSERVER_BINARY = "/usr/bin/turnserver"


def local_turnserver_command(
    *, port: int, secret: str, data_dir, binary: str = TURNSERVER_BINARY, relay_ports=None
) -> list[str]:
    """coturn on 127.0.0.1 only, for `make run` and the test fixtures: TURN with the
    REST-scheme secret, no STUN (nobody learns their own or anyone's address from it), no
    TLS (loopback), loopback peers allowed (every participant is on this machine). Its log,
    which holds addresses, stays in the git-ignored data folder."""
    low, high = relay_ports or (port + 1, port + 100)
    return [
        binary,
        "--listening-ip=127.0.0.1",
        "--relay-ip=127.0.0.1",
        f"--listening-port={port}",
        f"--min-port={low}",
        f"--max-port={high}",
        "--use-auth-secret",
        f"--static-auth-secret={secret}",
        "--realm=kindred.local",
        "--fingerprint",
        "--no-stun",
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        "--no-multicast-peers",
        "--allow-loopback-peers",
        "--simple-log",
        f"--log-file={data_dir}/turnserver-{port}.log",
        f"--pidfile={data_dir}/turnserver-{port}.pid",
    ]
