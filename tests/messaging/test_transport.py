"""The fan-out's direct writes (messaging/fanout.py:write_frame), against the real thing.

A real daphne delivers room messages over wss when it serves TLS itself (the ordinary ASGI
send), and takes the fast path on plain TCP, as its log says, so an upgrade that silently
turns the fast path off fails here. Frames of 64 KiB and more, and a member who reads slowly
enough that the kernel takes only part of a frame, arrive whole and in order. Below those,
write_frame is checked against a real Twisted TCP transport, and the frame bytes against an
independent parser.
"""

import asyncio
import ipaddress
import json
import socket
import ssl
import struct
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import websockets
from channels.db import database_sync_to_async as db
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from OpenSSL import SSL
from twisted.internet import tcp
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.internet.interfaces import IOpenSSLContextFactory
from twisted.internet.protocol import Protocol
from twisted.python.failure import Failure
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader
from zope.interface import implementer

from messaging.fanout import write_frame
from messaging.frames import websocket_text_frame
from messaging.services.conversations import get_or_create_group_room
from tests.messaging.conftest import make_group, session_cookie_for
from tests.servers import daphne_log_path, free_port, start_daphne, stop_daphne, until_frame

FAST_PATH_LINE = "fan-out: direct writes to plain TCP sockets (fast path on)"
ORDINARY_PATH_LINE = "is not plain TCP; frames go through the ASGI send"
# json.dumps escapes each of these as a surrogate pair, "\ud83e\udec2": 12 ASCII characters.
EMOJI = "\N{PEOPLE HUGGING}"
# For tests that send more than a person may: the limits are tested elsewhere.
_NO_RATE_LIMITS = {"KINDRED_CHAT_RATE_LIMIT": "1000/10", "KINDRED_SOCKET_FRAME_BUDGET": "1000/10"}


# A real daphne ----------------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (private key file, certificate file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path, certificate_path = tmp_path / "key.pem", tmp_path / "certificate.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, certificate_path


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    trusted_certificate: Path | None = None

    @property
    def origin(self) -> str:
        return f"{'https' if self.trusted_certificate else 'http'}://127.0.0.1:{self.port}"

    @property
    def socket_url(self) -> str:
        return f"{'wss' if self.trusted_certificate else 'ws'}://127.0.0.1:{self.port}/ws/chat/"

    def log(self) -> str:
        return daphne_log_path(self.port).read_text()

    async def connect(self, cookie: str, **options):
        if self.trusted_certificate is not None:
            options["ssl"] = ssl.create_default_context(cafile=str(self.trusted_certificate))
        connection = await websockets.connect(
            self.socket_url,
            origin=self.origin,
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
            **options,
        )
        assert (await until_frame(connection, "hello"))["type"] == "hello"
        return connection


@pytest.fixture
def daphne(transactional_db):
    """Starts real daphne processes (INFO logging, so the fan-out says which path it took)."""
    servers: list[Server] = []

    def start(*, tls: tuple[Path, Path] | None = None, extra_env: dict | None = None) -> Server:
        port = free_port()
        env = {"DJANGO_LOG_LEVEL": "INFO", **(extra_env or {})}
        server = Server(port, start_daphne(port, env, tls=tls), tls[1] if tls else None)
        servers.append(server)
        return server

    yield start
    for server in servers:
        stop_daphne(server.process)


async def _send(connection, frame: dict) -> None:
    # As a browser would: UTF-8 on the wire, not \u escapes (which would count against the
    # 16,000-character frame limit twelve times per emoji).
    await connection.send(json.dumps(frame, ensure_ascii=False))


async def _room_of_two(member, other_member, server: Server, **options):
    """A group room with `member` and `other_member` joined, each on its own socket."""
    group = await db(make_group)(members=[member, other_member])
    room = await db(get_or_create_group_room)(group=group)
    connections = []
    for user in (member, other_member):
        connection = await server.connect(await db(session_cookie_for)(user), **options)
        await _send(connection, {"type": "join", "conversation_id": room.pk})
        await until_frame(connection, "messages")
        connections.append(connection)
    return room, connections


async def _say(connection, room, client_id: str, body: str) -> tuple[dict, dict]:
    """Sends a message; returns its ack and the sender's own copy (either may come first)."""
    await _send(
        connection,
        {"type": "send", "conversation_id": room.pk, "client_id": client_id, "body": body},
    )
    ack = own = None
    while ack is None or own is None:
        frame = json.loads(await asyncio.wait_for(connection.recv(), 10))
        if frame["type"] == "ack":
            ack = frame
        elif frame["type"] == "message" and frame["message"]["client_id"] == client_id:
            own = frame
    assert own["message"]["id"] == ack["id"] and own["seq"] == ack["seq"]
    return ack, own


async def test_daphne_serving_tls_itself_delivers_room_messages_over_wss_by_the_ordinary_path(
    daphne, certificate, member, other_member
):
    server = daphne(tls=certificate)
    room, (alice, bob) = await _room_of_two(member, other_member, server)
    try:
        for number in (1, 2, 3):
            ack, own = await _say(alice, room, f"tls-{number}", f"under TLS {number}")
            delivered = await until_frame(bob, "message")
            assert delivered["message"]["id"] == ack["id"]
            assert delivered["message"]["body"] == own["message"]["body"] == f"under TLS {number}"
    finally:
        await alice.close()
        await bob.close()
    # daphne leaves the scheme out of a WebSocket scope; the Origin check still knows this
    # connection is TLS, so the site's origin is the https one.
    cookie = await db(session_cookie_for)(member)
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            server.socket_url,
            origin=f"http://127.0.0.1:{server.port}",
            additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
            ssl=ssl.create_default_context(cafile=str(certificate[1])),
        )
    assert refused.value.response.status_code == 403
    log = server.log()
    assert ORDINARY_PATH_LINE in log
    assert FAST_PATH_LINE not in log
    assert "Traceback" not in log


async def test_plain_daphne_takes_the_fast_path_and_delivers(daphne, member, other_member):
    server = daphne()
    room, (alice, bob) = await _room_of_two(member, other_member, server)
    try:
        ack, own = await _say(alice, room, "plain-1", "over plain TCP")
        delivered = await until_frame(bob, "message")
        assert delivered["message"]["id"] == ack["id"] and delivered["seq"] == ack["seq"]
        assert delivered["message"]["body"] == own["message"]["body"] == "over plain TCP"
    finally:
        await alice.close()
        await bob.close()
    log = server.log()
    # If a daphne, autobahn or Twisted upgrade changes what the fast path relies on, it turns
    # itself off (safe, but a tenth of the throughput): this line is then missing.
    assert FAST_PATH_LINE in log
    assert ORDINARY_PATH_LINE not in log
    assert "Traceback" not in log


async def test_a_frame_over_64_kib_arrives_intact_through_the_fast_path(
    daphne, member, other_member
):
    server = daphne()
    room, (alice, bob) = await _room_of_two(member, other_member, server)
    body = EMOJI * 4000
    try:
        ack, own = await _say(alice, room, "big-1", body)
        while True:
            raw = await asyncio.wait_for(bob.recv(), 10)
            frame = json.loads(raw)
            if frame["type"] == "message":
                break
    finally:
        await alice.close()
        await bob.close()
    # Past 65,535 bytes the frame length takes the 8-byte form.
    assert len(raw.encode()) > 65_535
    assert frame["message"]["id"] == ack["id"]
    assert frame["message"]["body"] == own["message"]["body"] == body
    assert FAST_PATH_LINE in server.log()


async def test_a_member_reading_slowly_gets_every_large_frame_whole_and_in_order(
    daphne, member, other_member
):
    """Bob's client stops reading after one queued message and his receive buffer is tiny, so
    the kernel takes only part of a frame: the rest waits in Twisted's buffer, and every frame
    after it must wait behind it, not jump ahead on the socket."""
    # More than the kernel will buffer for one socket (tcp_wmem's ceiling is 4 MiB by
    # default), so some frame must be split between the kernel and Twisted.
    count = 64
    server = daphne(extra_env=_NO_RATE_LIMITS)
    slow_socket = socket.socket()
    slow_socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow_socket.connect(("127.0.0.1", server.port))
    group = await db(make_group)(members=[member, other_member])
    room = await db(get_or_create_group_room)(group=group)
    alice = await server.connect(await db(session_cookie_for)(member))
    bob = await server.connect(
        await db(session_cookie_for)(other_member), sock=slow_socket, max_queue=1
    )
    bodies = [f"{number:02d}" + EMOJI * 3998 for number in range(count)]
    try:
        for connection in (alice, bob):
            await _send(connection, {"type": "join", "conversation_id": room.pk})
            await until_frame(connection, "messages")
        acks = [
            (await _say(alice, room, f"slow-{number}", body))[0]
            for number, body in enumerate(bodies)
        ]
        received = [await until_frame(bob, "message") for _body in bodies]
    finally:
        await alice.close()
        await bob.close()
    assert [frame["seq"] for frame in received] == [ack["seq"] for ack in acks]
    assert [frame["message"]["body"] for frame in received] == bodies
    assert FAST_PATH_LINE in server.log()


async def test_a_real_client_sees_the_moderation_sockets_refusal_as_a_close_code(daphne, member):
    server = daphne()
    cookie = await db(session_cookie_for)(member)
    connection = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/moderation/",
        origin=server.origin,
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
    )
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(connection.recv(), 10)
    assert connection.close_code == 4403


# write_frame on a real Twisted TCP transport ---------------------------------------------


class _IdleReactor:
    """The IReactorFDSet calls a tcp.Server makes; nothing is driven unless a test says so."""

    def __init__(self):
        self.writers = set()

    def addReader(self, reader):
        pass

    def removeReader(self, reader):
        pass

    def addWriter(self, writer):
        self.writers.add(writer)

    def removeWriter(self, writer):
        self.writers.discard(writer)

    def callLater(self, delay, function, *args, **kwargs):
        raise AssertionError("nothing here should be scheduled")


@pytest.fixture
def tcp_transport():
    """A real twisted.internet.tcp.Server on one end of a loopback TCP connection, and the
    other end (non-blocking, for the test to read what actually reached the wire)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        peer = socket.create_connection(listener.getsockname())
        accepted, address = listener.accept()
    peer.setblocking(False)
    protocol = Protocol()
    transport = tcp.Server(accepted, protocol, address, None, 1, _IdleReactor())
    protocol.makeConnection(transport)
    yield transport, peer
    peer.close()
    if getattr(transport, "socket", None) is not None:
        transport.socket.close()


def _read_available(peer, *, at_least: int = 0, wait: float = 2.0) -> bytes:
    """What has reached the other end: everything there now, waiting up to `wait` seconds for
    at least `at_least` bytes."""
    received = b""
    deadline = time.monotonic() + wait
    while True:
        try:
            chunk = peer.recv(1 << 20)
        except BlockingIOError:
            if len(received) >= at_least or time.monotonic() > deadline:
                return received
            time.sleep(0.005)
            continue
        if not chunk:
            return received
        received += chunk


def _twisted_holds(transport) -> int:
    return len(transport.dataBuffer) - transport.offset + transport._tempDataLen


def test_write_frame_puts_the_bytes_on_the_wire_when_twisted_holds_nothing(tcp_transport):
    transport, peer = tcp_transport
    frame = websocket_text_frame('{"type":"message"}')
    write_frame(transport, frame)
    assert _twisted_holds(transport) == 0
    assert transport not in transport.reactor.writers
    assert _read_available(peer, at_least=len(frame)) == frame


def test_after_a_partial_send_every_frame_waits_behind_the_rest_in_twisted(tcp_transport):
    transport, peer = tcp_transport
    transport.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
    frames = [websocket_text_frame(f"{number}" * 400_000) for number in range(3)]
    write_frame(transport, frames[0])
    held = _twisted_holds(transport)
    assert 0 < held < len(frames[0]), "the kernel was expected to take only part of it"
    assert transport in transport.reactor.writers  # Twisted sends the rest when it can
    received = b""
    for frame in frames[1:]:
        # The peer reads, so the kernel has room again while Twisted still holds the rest of
        # the previous frame: the next one must join Twisted's queue, not go to the socket in
        # the middle of the previous one.
        received += _read_available(peer)
        assert _twisted_holds(transport) > 0
        write_frame(transport, frame)
        assert transport.doWrite() is None
    while _twisted_holds(transport):
        received += _read_available(peer)
        assert transport.doWrite() is None
    received += _read_available(peer, at_least=sum(map(len, frames)) - len(received))
    assert received == b"".join(frames)
    # With the backlog gone, the next frame goes straight out again.
    write_frame(transport, frames[0][:200])
    assert _twisted_holds(transport) == 0


def test_write_frame_to_a_connection_the_peer_reset_leaves_the_closing_to_twisted(
    tcp_transport,
):
    transport, peer = tcp_transport
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.close()  # an RST, as when a phone drops off the network and comes back
    time.sleep(0.05)
    frame = websocket_text_frame("after the reset")
    write_frame(transport, frame)  # ECONNRESET: no exception escapes to the fan-out
    write_frame(transport, frame)
    # What the kernel refused is Twisted's to try, and Twisted's to fail: it reports the lost
    # connection from doWrite, which is how the reactor learns to close it.
    assert _twisted_holds(transport) == 2 * len(frame)
    assert isinstance(transport.doWrite(), ConnectionLost)


def test_write_frame_to_a_closed_transport_does_nothing(tcp_transport):
    transport, peer = tcp_transport
    transport.connectionLost(Failure(ConnectionDone()))
    write_frame(transport, websocket_text_frame("too late"))
    assert _read_available(peer, wait=0.1) == b""


@implementer(IOpenSSLContextFactory)
class _ServerTLS:
    """The context factory startTLS() takes, for the test certificate."""

    def __init__(self, key_path: Path, certificate_path: Path):
        self.context = SSL.Context(SSL.TLS_SERVER_METHOD)
        self.context.use_privatekey_file(str(key_path))
        self.context.use_certificate_file(str(certificate_path))

    def getContext(self):
        return self.context


def test_write_frame_never_bypasses_tls_started_on_a_tcp_connection(tcp_transport, certificate):
    transport, peer = tcp_transport
    transport.startTLS(_ServerTLS(*certificate))
    assert type(transport) is tcp.Server  # same class: only TLS marks the difference
    frame = websocket_text_frame("must be encrypted")
    write_frame(transport, frame)
    transport.doWrite()
    assert frame not in _read_available(peer, wait=0.2)


# The frame bytes, read by an independent parser ----------------------------------------------


def _parse(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        assert not reader.buffer, "bytes left after the frame"
        return done.value
    raise AssertionError("the frame is incomplete")


@pytest.mark.parametrize(
    ("payload_bytes", "header_bytes"),
    [(0, 2), (125, 2), (126, 4), (65_535, 4), (65_536, 10), (200_000, 10)],
)
def test_websocket_text_frame_uses_the_shortest_length_form_at_each_boundary(
    payload_bytes, header_bytes
):
    # Two-byte characters where they fit, so the length must count bytes, not characters.
    text = "é" * (payload_bytes // 2) + "a" * (payload_bytes % 2)
    frame = websocket_text_frame(text)
    assert len(frame) == header_bytes + payload_bytes
    parsed = _parse(frame)
    assert parsed.opcode is Opcode.TEXT and parsed.fin
    assert not (parsed.rsv1 or parsed.rsv2 or parsed.rsv3)
    assert parsed.data.decode() == text
    # Unmasked (a server never masks), and the 7-bit length field says which form follows.
    assert frame[1] & 0x80 == 0
    assert frame[1] & 0x7F == {2: payload_bytes, 4: 126, 10: 127}[header_bytes]
