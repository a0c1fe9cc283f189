"""A lean WebSocket client for the load generator, on asyncio Protocols.

The generator has to receive tens of thousands of frames a second on the same two cores as the
server, so it must cost far less per frame than the server does: no `websockets` client (its
per-connection reader task, queue and UTF-8 decoding cost more than the server's own fan-out),
no compression, no json.loads per frame. It speaks just enough of RFC 6455 for the benchmarks:

- handshake: GET with Upgrade, Sec-WebSocket-Key, Cookie and Origin; anything but a 101 with
  the right Sec-WebSocket-Accept fails `connect()` with `HandshakeError`;
- client frames: masked text frames (the masking is one big-integer XOR per frame);
- server frames: an incremental parser that takes several frames in one read, frames split
  across reads, 16- and 64-bit lengths and fragmented messages; it answers ping with pong and
  close with close. Each complete text message goes to `on_frame(payload: bytes, now: float)`
  as raw UTF-8 bytes, `now` being `time.perf_counter()` taken once per read.

`frame_type`, `top_level_seq`, `message_id` and `bench_client_id` pick single fields out of a
server frame by string search (the server writes compact JSON, `type` first).
"""

import asyncio
import base64
import hashlib
import json
import os
import random
import re
import time
from collections.abc import Callable

_ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_OPCODE_CONTINUATION, _OPCODE_TEXT, _OPCODE_BINARY = 0x0, 0x1, 0x2
_OPCODE_CLOSE, _OPCODE_PING, _OPCODE_PONG = 0x8, 0x9, 0xA
_MAX_HANDSHAKE_BYTES = 16_384

FrameHandler = Callable[[bytes, float], None]


class HandshakeError(Exception):
    """The server did not switch protocols (e.g. 403 for a missing session or origin)."""

    def __init__(self, status_line: str):
        super().__init__(status_line)
        self.status_line = status_line


class WebSocketClient(asyncio.Protocol):
    def __init__(
        self,
        *,
        host: str,
        port: int,
        path: str,
        cookie: str | None,
        origin: str | None,
        on_frame: FrameHandler,
    ):
        loop = asyncio.get_running_loop()
        self.host, self.port, self.path = host, port, path
        self.cookie, self.origin = cookie, origin
        self.on_frame = on_frame
        self.opened: asyncio.Future = loop.create_future()
        self.closed: asyncio.Future = loop.create_future()
        self.close_code: int | None = None
        self.transport: asyncio.Transport | None = None
        self._key = base64.b64encode(os.urandom(16))
        self._handshake = bytearray()
        self._buffer = bytearray()
        self._needed = 2  # bytes the buffer must hold before parsing is worth trying
        self._fragments: list[bytes] = []
        self._close_sent = False

    # asyncio.Protocol ------------------------------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        headers = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self._key.decode()}",
            "Sec-WebSocket-Version: 13",
        ]
        if self.origin:
            headers.append(f"Origin: {self.origin}")
        if self.cookie:
            headers.append(f"Cookie: {self.cookie}")
        transport.write(("\r\n".join(headers) + "\r\n\r\n").encode())

    def data_received(self, data: bytes):
        if not self.opened.done():
            data = self._read_handshake(data)
            if not data:
                return
        if self._buffer:
            self._buffer += data
            if len(self._buffer) < self._needed:
                return
            data = bytes(self._buffer)
            self._buffer.clear()
        elif len(data) < self._needed:
            self._buffer += data
            return
        self._parse(data, time.perf_counter())

    def connection_lost(self, exc):
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionResetError("closed during handshake"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    # Sending ---------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return (
            self.opened.done()
            and not self.opened.exception()
            and not self.closed.done()
            and not self._close_sent
        )

    def send_text(self, text: str) -> None:
        self._send_frame(_OPCODE_TEXT, text.encode())

    def close(self, code: int = 1000) -> None:
        """Starts the closing handshake; `closed` resolves when the server drops the TCP
        connection (the transport is aborted after 2 s if it does not)."""
        if self.transport is None or self.transport.is_closing():
            return
        if not self._close_sent:
            self._send_frame(_OPCODE_CLOSE, code.to_bytes(2, "big"))
            self._close_sent = True
        asyncio.get_running_loop().call_later(2, self.abort)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing() or self._close_sent:
            return
        length = len(payload)
        if length < 126:
            header = bytes((0x80 | opcode, 0x80 | length))
        elif length < 65536:
            header = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
        else:
            header = bytes((0x80 | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
        mask = random.getrandbits(32).to_bytes(4, "big")
        transport.write(header + mask + _masked(payload, mask))

    # Receiving -------------------------------------------------------------------------------

    def _read_handshake(self, data: bytes) -> bytes:
        """Collects the HTTP response; returns the bytes after it (frames already sent)."""
        self._handshake += data
        end = self._handshake.find(b"\r\n\r\n")
        if end == -1:
            if len(self._handshake) > _MAX_HANDSHAKE_BYTES:
                self._fail_handshake("handshake response too large")
            return b""
        head = bytes(self._handshake[:end]).decode("latin-1")
        rest = bytes(self._handshake[end + 4 :])
        self._handshake = bytearray()
        status_line, *header_lines = head.split("\r\n")
        if status_line.split(" ", 2)[1:2] != ["101"]:
            self._fail_handshake(status_line)
            return b""
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(
            hashlib.sha1(self._key + _ACCEPT_GUID, usedforsecurity=False).digest()
        ).decode()
        if headers.get("sec-websocket-accept") != expected:
            self._fail_handshake(f"{status_line} (wrong Sec-WebSocket-Accept)")
            return b""
        self.opened.set_result(True)
        return rest

    def _fail_handshake(self, status_line: str) -> None:
        if not self.opened.done():
            self.opened.set_exception(HandshakeError(status_line))
        if self.transport is not None:
            self.transport.abort()

    def _parse(self, data: bytes, now: float) -> None:
        """Handles every complete frame in `data`; keeps the incomplete rest for the next read
        and remembers how many bytes it needs before another try is worth it."""
        size = len(data)
        position = 0
        while True:
            if size - position < 2:
                needed = 2
                break
            first = data[position]
            second = data[position + 1]
            length = second & 0x7F
            start = position + 2
            if length == 126:
                if size - start < 2:
                    needed = 4
                    break
                length = int.from_bytes(data[start : start + 2], "big")
                start += 2
            elif length == 127:
                if size - start < 8:
                    needed = 10
                    break
                length = int.from_bytes(data[start : start + 8], "big")
                start += 8
            mask = None
            if second & 0x80:  # servers must not mask, but a masked frame is still readable
                if size - start < 4:
                    needed = start + 4 - position
                    break
                mask = data[start : start + 4]
                start += 4
            end = start + length
            if end > size:
                needed = end - position
                break
            payload = data[start:end]
            if mask is not None:
                payload = _masked(payload, mask)
            position = end
            self._handle(first & 0x0F, first & 0x80, payload, now)
        self._needed = needed
        if position < size:
            self._buffer += data[position:]

    def _handle(self, opcode: int, final: int, payload: bytes, now: float) -> None:
        if opcode == _OPCODE_TEXT or opcode == _OPCODE_BINARY:
            if final:
                self.on_frame(payload, now)
            else:
                self._fragments = [payload]
        elif opcode == _OPCODE_CONTINUATION:
            self._fragments.append(payload)
            if final:
                message, self._fragments = b"".join(self._fragments), []
                self.on_frame(message, now)
        elif opcode == _OPCODE_PING:
            self._send_frame(_OPCODE_PONG, payload)
        elif opcode == _OPCODE_CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self._close_sent:
                self._send_frame(_OPCODE_CLOSE, payload[:2])
                self._close_sent = True
            # The server closes the TCP connection next; do not wait on it for ever.
            asyncio.get_running_loop().call_later(2, self.abort)


def _masked(payload: bytes, mask: bytes) -> bytes:
    length = len(payload)
    if not length:
        return b""
    key = (mask * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(length, "big")


async def connect(
    *,
    host: str = "127.0.0.1",
    port: int,
    path: str = "/ws/chat/",
    cookie: str | None = None,
    origin: str | None = None,
    on_frame: FrameHandler,
    handshake_seconds: float = 30,
) -> WebSocketClient:
    """An open WebSocket; raises OSError (refused, reset), HandshakeError or TimeoutError."""
    loop = asyncio.get_running_loop()
    transport, client = await asyncio.wait_for(
        loop.create_connection(
            lambda: WebSocketClient(
                host=host, port=port, path=path, cookie=cookie, origin=origin, on_frame=on_frame
            ),
            host,
            port,
        ),
        handshake_seconds,
    )
    try:
        await asyncio.wait_for(asyncio.shield(client.opened), handshake_seconds)
    except BaseException:
        transport.abort()
        raise
    return client


# Picking fields out of server frames -------------------------------------------------------

_TYPE_PREFIX = b'{"type":"'
_SEQ = re.compile(rb'"seq":(\d+)')
_MESSAGE_ID = re.compile(rb'"message":\{"id":(\d+)')
# The benchmarks' own client ids: "b<message number>-<perf_counter at send, microseconds>".
_BENCH_CLIENT_ID = re.compile(rb'"client_id":"b(\d+)-(\d+)"')


def frame_type(payload: bytes) -> bytes:
    if payload.startswith(_TYPE_PREFIX):
        return payload[9 : payload.find(b'"', 9)]
    # Not the server's usual compact, type-first JSON: the slow way, for the rare such frame.
    try:
        kind = json.loads(payload).get("type")
    except (ValueError, AttributeError):
        return b""
    return kind.encode() if isinstance(kind, str) else b""


def top_level_seq(payload: bytes) -> int | None:
    """The frame's own `seq`, not one inside its `message` (the server writes `seq` before
    `message`); None when the frame has none (servers before stream positions)."""
    limit = payload.find(b'"message":{')
    match = _SEQ.search(payload, 0, limit if limit != -1 else len(payload))
    return int(match[1]) if match else None


def message_id(payload: bytes) -> int | None:
    match = _MESSAGE_ID.search(payload)
    return int(match[1]) if match else None


def bench_client_id(payload: bytes) -> tuple[int, float] | None:
    """(message number, send time as perf_counter seconds) from a client id the benchmarks
    wrote, or None for any other frame."""
    match = _BENCH_CLIENT_ID.search(payload)
    return (int(match[1]), int(match[2]) / 1e6) if match else None


def new_bench_client_id(number: int) -> str:
    return f"b{number}-{time.perf_counter_ns() // 1000}"
