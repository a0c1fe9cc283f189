"""TURN credentials against a real coturn (started here on 127.0.0.1, as `make run` and the
browser tests start it): the password the server hands a participant opens an allocation on
the relay; a wrong or expired one does not. RFC 5766 Allocate, RFC 5389 long-term
credentials, written out by hand so nothing here trusts our own code's idea of the scheme."""

import hashlib
import hmac
import os
import socket
import struct
import time
import zlib
from pathlib import Path

import pytest

from messaging.turn import TURNSERVER_BINARY, ice_servers_for, turn_password
from tests.servers import free_port, start_turnserver, stop_daphne

SECRET = "a-test-secret-for-coturn"
MAGIC = 0x2112A442
ALLOCATE, ALLOCATE_SUCCESS, ALLOCATE_ERROR = 0x0003, 0x0103, 0x0113
USERNAME, MESSAGE_INTEGRITY, ERROR_CODE, REALM, NONCE = 0x0006, 0x0008, 0x0009, 0x0014, 0x0015
REQUESTED_TRANSPORT, FINGERPRINT, XOR_RELAYED_ADDRESS = 0x0019, 0x8028, 0x0016

pytestmark = pytest.mark.skipif(
    not Path(TURNSERVER_BINARY).exists(), reason="coturn is not installed (.ci/find-coturn)"
)


@pytest.fixture(scope="module")
def relay_port():
    port = free_port()
    process = start_turnserver(port, SECRET)
    yield port
    stop_daphne(process)


def _attribute(kind: int, value: bytes) -> bytes:
    padding = b"\0" * ((4 - len(value) % 4) % 4)
    return struct.pack("!HH", kind, len(value)) + value + padding


def _message(kind: int, transaction: bytes, attributes: bytes, key: bytes | None) -> bytes:
    if key is not None:
        # MESSAGE-INTEGRITY covers the header with a length that already counts it.
        header = struct.pack("!HHI", kind, len(attributes) + 24, MAGIC) + transaction
        digest = hmac.new(key, header + attributes, hashlib.sha1).digest()
        attributes += _attribute(MESSAGE_INTEGRITY, digest)
    header = struct.pack("!HHI", kind, len(attributes) + 8, MAGIC) + transaction
    crc = (zlib.crc32(header + attributes) ^ 0x5354554E) & 0xFFFFFFFF
    attributes += _attribute(FINGERPRINT, struct.pack("!I", crc))
    return struct.pack("!HHI", kind, len(attributes), MAGIC) + transaction + attributes


def _parse(data: bytes) -> tuple[int, dict[int, bytes]]:
    kind, length, _magic = struct.unpack("!HHI", data[:8])
    attributes, offset = {}, 20
    while offset < 20 + length:
        attribute, size = struct.unpack("!HH", data[offset : offset + 4])
        attributes[attribute] = data[offset + 4 : offset + 4 + size]
        offset += 4 + size + (4 - size % 4) % 4
    return kind, attributes


def _exchange(udp, port: int, message: bytes) -> tuple[int, dict[int, bytes]]:
    udp.sendto(message, ("127.0.0.1", port))
    return _parse(udp.recvfrom(2048)[0])


def _allocate(port: int, username: str, password: str) -> tuple[int, dict[int, bytes]]:
    # One socket for both requests: coturn ties its nonce to the client's address and port.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(3)
        return _allocate_on(udp, port, username, password)


def _allocate_on(udp, port: int, username: str, password: str) -> tuple[int, dict[int, bytes]]:
    transport = _attribute(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))  # UDP
    kind, challenge = _exchange(udp, port, _message(ALLOCATE, os.urandom(12), transport, None))
    assert kind == ALLOCATE_ERROR and challenge[ERROR_CODE][2:4] == bytes([4, 1])  # 401
    realm, nonce = challenge[REALM], challenge[NONCE]
    key = hashlib.md5(f"{username}:{realm.decode()}:{password}".encode()).digest()  # noqa: S324
    attributes = (
        transport
        + _attribute(USERNAME, username.encode())
        + _attribute(REALM, realm)
        + _attribute(NONCE, nonce)
    )
    return _exchange(udp, port, _message(ALLOCATE, os.urandom(12), attributes, key))


def test_the_credentials_a_participant_gets_open_a_relay_allocation(relay_port, settings):
    settings.TURN_URLS, settings.TURN_SECRET = [f"turn:127.0.0.1:{relay_port}"], SECRET
    [server] = ice_servers_for(peer_id="peer-one")
    kind, attributes = _allocate(relay_port, server["username"], server["credential"])
    assert kind == ALLOCATE_SUCCESS and XOR_RELAYED_ADDRESS in attributes


def test_a_wrong_password_is_refused(relay_port):
    username = f"{int(time.time()) + 600}:peer-two"
    kind, _attributes = _allocate(
        relay_port, username, turn_password(secret="wrong", username=username)
    )
    assert kind == ALLOCATE_ERROR


def test_an_expired_username_is_refused(relay_port):
    username = f"{int(time.time()) - 5}:peer-three"
    kind, _attributes = _allocate(
        relay_port, username, turn_password(secret=SECRET, username=username)
    )
    assert kind == ALLOCATE_ERROR


def test_calls_offer_no_servers_without_a_relay(settings):
    settings.TURN_URLS, settings.TURN_SECRET = [], SECRET
    assert ice_servers_for(peer_id="peer-four") == []
