"""A member's and a counsellor's browser, in Python (decision 0080's construction): what
static/js/matching.js does, step for step, so the server-side tests go through the real
endpoints and the real escrow with real cryptography. The server has none of this code.
Also the people those tests need: members who may add entries and a counsellor with a key."""

import base64
import json
import secrets
from datetime import timedelta

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils import timezone

from community.matching import identifiers, oprf
from community.models import MatchingCounsellor
from tests.community.advocates_helpers import make_advocate
from tests.factories import make_member, signed_in

P = 2**255 - 19
SALT = b"kindred-matching-v1"
SEAL_INFO = b"kindred-matching-seal-v1"


def hkdf(ikm: bytes, info: bytes, length: int, salt: bytes = SALT) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def derive(output: bytes) -> tuple[str, int, int]:
    """π (hex), the slope a and the record key K (integers mod P) from the OPRF output."""
    index = hkdf(output, b"index", 32).hex()
    slope = int.from_bytes(hkdf(output, b"slope", 64), "big") % P
    key = int.from_bytes(hkdf(output, b"key", 64), "big") % P
    return index, slope, key


def record_key(key: int) -> bytes:
    return hkdf(key.to_bytes(32, "big"), b"record", 32)


def new_counsellor_key() -> tuple[X25519PrivateKey, str]:
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return private, base64.b64encode(public).decode()


def seal(public_key_b64: str, plaintext: bytes) -> str:
    recipient = base64.b64decode(public_key_b64)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    key = hkdf(shared, SEAL_INFO, 32, salt=ephemeral_public + recipient)
    return base64.b64encode(
        ephemeral_public + AESGCM(key).encrypt(bytes(12), plaintext, None)
    ).decode()


def open_sealed(private: X25519PrivateKey, blob_b64: str) -> bytes:
    blob = base64.b64decode(blob_b64)
    ephemeral_public, box = blob[:32], blob[32:]
    recipient = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    key = hkdf(shared, SEAL_INFO, 32, salt=ephemeral_public + recipient)
    return AESGCM(key).decrypt(bytes(12), box, None)


def add_entry(client, kind: str, text: str, region: str = "US"):
    """The member's browser adds an entry through the real endpoints; returns the response."""
    normalised = identifiers.normalise(kind, text, region).normalised.encode()
    status = client.get("/matching/status/")
    assert status.status_code == 200, status.content
    info = status.json()
    blind_scalar, blinded = oprf.blind(normalised)
    evaluated = client.post(
        "/matching/evaluate/", {"blinded": blinded.hex()}, content_type="application/json"
    )
    if evaluated.status_code != 200:
        return evaluated
    output = oprf.finalize(normalised, blind_scalar, bytes.fromhex(evaluated.json()["evaluated"]))
    index, slope, key = derive(output)
    x = int(info["x"], 16)
    y = (slope * x + key) % P
    nonce = secrets.token_bytes(12)
    record = nonce + AESGCM(record_key(key)).encrypt(
        nonce, json.dumps({"identifier": normalised.decode()}).encode(), None
    )
    share = json.dumps(
        {"x": format(x, "x"), "y": format(y, "x"), "record": base64.b64encode(record).decode()}
    ).encode()
    sealed = {
        str(c["id"]): [c["public_key"], seal(c["public_key"], share)] for c in info["counsellors"]
    }
    return client.post(
        "/matching/entries/", {"index": index, "sealed": sealed}, content_type="application/json"
    )


def open_match(client, private: X25519PrivateKey, match_id: int) -> dict:
    """The counsellor's browser: open its blobs, interpolate K from two shares of different
    x, decrypt the records."""
    data = client.get(f"/matching/matches/{match_id}/").json()
    shares = [json.loads(open_sealed(private, share["blob"])) for share in data["shares"]]
    points = {int(s["x"], 16): int(s["y"], 16) for s in shares}
    (x1, y1), (x2, y2) = list(points.items())[:2]
    key = (y1 * x2 - y2 * x1) * pow(x2 - x1, -1, P) % P
    records = []
    for share in shares:
        record = base64.b64decode(share["record"])
        records.append(json.loads(AESGCM(record_key(key)).decrypt(record[:12], record[12:], None)))
    return {"entries": [share["entry"] for share in data["shares"]], "records": records}


def eligible_member(**options):
    """A member who may add matching entries: two-factor authentication and an account older
    than KINDRED_MATCHING_MIN_ACCOUNT_AGE (a verified address is make_member's default)."""
    user = make_member(mfa=True, **options)
    user.date_joined = timezone.now() - timedelta(days=30)
    user.save(update_fields=["date_joined"])
    return user


def eligible_client(**options):
    user = eligible_member(**options)
    return user, signed_in(user)


def counsellor_with_key() -> dict:
    """A designated matching counsellor whose browser made a key pair and sent the public half
    through the real endpoint."""
    user = make_advocate(specialties=("legal",))
    MatchingCounsellor.objects.create(user=user)
    client = signed_in(user)
    private, public = new_counsellor_key()
    response = client.post(
        "/matching/counsellor/key/", {"public_key": public}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return {"user": user, "client": client, "private": private, "public": public}
