"""RFC 9497 OPRF(ristretto255, SHA-512), base mode (0x00), on libsodium through rbcl.

The escrow service (`manage.py run_matching_escrow`) is the only caller of `blind_evaluate`
with the real key; the browser blinds and finalises (@noble/curves' implementation of the same
RFC). `blind` and `finalize` are here for the tests, which prove both halves against the RFC's
appendix A.1.1 vectors, and prove the escrow service against a browser-free client.
"""

import hashlib
import hmac
import secrets

import rbcl

MODE_OPRF = 0x00
SUITE_ID = b"ristretto255-SHA512"
CONTEXT = b"OPRFV1-" + bytes([MODE_OPRF]) + b"-" + SUITE_ID
ELEMENT_BYTES = 32
SCALAR_BYTES = 32
# The group order of ristretto255 (RFC 9496).
ORDER = 2**252 + 27742317777372353535851937790883648493


class OprfError(ValueError):
    """An input the protocol refuses: not a valid encoded element, or a zero scalar."""


def _i2osp(value: int, length: int) -> bytes:
    return value.to_bytes(length, "big")


def expand_message_xmd(message: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 with SHA-512 (b_in_bytes 64, s_in_bytes 128)."""
    if len(dst) > 255:
        raise OprfError("The domain separation tag is too long.")
    ell = -(-length // 64)
    if ell > 255:
        raise OprfError("The requested length is too long.")
    dst_prime = dst + _i2osp(len(dst), 1)
    b0 = hashlib.sha512(bytes(128) + message + _i2osp(length, 2) + b"\x00" + dst_prime).digest()
    blocks = [hashlib.sha512(b0 + b"\x01" + dst_prime).digest()]
    for index in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, blocks[-1], strict=True))
        blocks.append(hashlib.sha512(mixed + _i2osp(index, 1) + dst_prime).digest())
    return b"".join(blocks)[:length]


def hash_to_group(message: bytes) -> bytes:
    uniform = expand_message_xmd(message, b"HashToGroup-" + CONTEXT, 64)
    return rbcl.crypto_core_ristretto255_from_hash(uniform)


def hash_to_scalar(message: bytes, dst: bytes | None = None) -> bytes:
    uniform = expand_message_xmd(message, dst or b"HashToScalar-" + CONTEXT, 64)
    return rbcl.crypto_core_ristretto255_scalar_reduce(uniform)


def _is_zero(scalar: bytes) -> bool:
    return hmac.compare_digest(scalar, bytes(SCALAR_BYTES))


def derive_key_pair(seed: bytes, info: bytes) -> tuple[bytes, bytes]:
    """RFC 9497 section 3.2.1: the secret scalar and its public element from a 32-byte seed."""
    derive_input = seed + _i2osp(len(info), 2) + info
    dst = b"DeriveKeyPair" + CONTEXT
    for counter in range(256):
        secret = hash_to_scalar(derive_input + _i2osp(counter, 1), dst)
        if not _is_zero(secret):
            return secret, rbcl.crypto_scalarmult_ristretto255_base(secret)
    raise OprfError("DeriveKeyPair found no non-zero scalar.")


def check_secret_key(secret: bytes) -> bytes:
    if len(secret) != SCALAR_BYTES or _is_zero(secret):
        raise OprfError("The OPRF key must be 32 bytes, a non-zero scalar.")
    if int.from_bytes(secret, "little") >= ORDER:
        raise OprfError("The OPRF key is not a reduced scalar.")
    return secret


def deserialize_element(data: bytes) -> bytes:
    """An encoded element a client sent: canonical, valid, and not the identity."""
    if (
        len(data) != ELEMENT_BYTES
        or _is_zero(data)
        or not rbcl.crypto_core_ristretto255_is_valid_point(data)
    ):
        raise OprfError("Not a valid ristretto255 element (or the identity).")
    return data


def blind_evaluate(secret: bytes, blinded_element: bytes) -> bytes:
    """The server's step: `skS * blindedElement`. It learns nothing about the input."""
    element = deserialize_element(blinded_element)
    return rbcl.crypto_scalarmult_ristretto255(check_secret_key(secret), element)


def random_scalar() -> bytes:
    while True:
        scalar = rbcl.crypto_core_ristretto255_scalar_reduce(secrets.token_bytes(64))
        if not _is_zero(scalar):
            return scalar


def blind(message: bytes, blind_scalar: bytes | None = None) -> tuple[bytes, bytes]:
    """The client's first step: (blind, blindedElement)."""
    scalar = blind_scalar or random_scalar()
    element = hash_to_group(message)
    if _is_zero(element):
        raise OprfError("The input hashes to the identity.")
    return scalar, rbcl.crypto_scalarmult_ristretto255(scalar, element)


def finalize(message: bytes, blind_scalar: bytes, evaluated_element: bytes) -> bytes:
    """The client's last step: unblind, then hash with the input (section 3.3.1)."""
    inverse = rbcl.crypto_core_ristretto255_scalar_invert(blind_scalar)
    unblinded = rbcl.crypto_scalarmult_ristretto255(inverse, deserialize_element(evaluated_element))
    return hashlib.sha512(
        _i2osp(len(message), 2) + message + _i2osp(len(unblinded), 2) + unblinded + b"Finalize"
    ).digest()
