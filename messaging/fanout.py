"""Per-process fan-out: one channel-layer subscription per conversation per process, and the
same encoded text handed to every local socket (docs/decisions/0020-fan-out.md).

The Channels tutorial pattern puts every socket's own channel in the conversation's group, so a
message costs one channel-layer delivery and one JSON encoding per member. Here each process
has one channel (`self.channel`) that joins a conversation's group while at least one local
socket is in that conversation; a single listener task receives each event once and writes the
already-encoded text straight to the local sockets.
"""

import asyncio
import logging
import weakref

from channels.layers import get_channel_layer

from messaging.models import Conversation

logger = logging.getLogger(__name__)


class LocalFanout:
    def __init__(self):
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.listener: asyncio.Task | None = None
        self.sockets: dict[int, set] = {}
        self._ready = asyncio.Lock()

    async def _start(self) -> None:
        async with self._ready:
            if self.listener is None:
                self.channel = await self.layer.new_channel("fanout.")
                self.listener = asyncio.get_running_loop().create_task(self._listen())

    async def add(self, conversation_id: int, socket) -> None:
        if self.listener is None:
            await self._start()
        local = self.sockets.setdefault(conversation_id, set())
        first = not local
        local.add(socket)
        if first:
            await self.layer.group_add(self._group(conversation_id), self.channel)

    async def discard(self, conversation_id: int, socket) -> None:
        local = self.sockets.get(conversation_id)
        if local is None:
            return
        local.discard(socket)
        if not local:
            del self.sockets[conversation_id]
            await self.layer.group_discard(self._group(conversation_id), self.channel)
            if self.sockets.get(conversation_id):
                # Someone joined while we unsubscribed: subscribe again.
                await self.layer.group_add(self._group(conversation_id), self.channel)

    @staticmethod
    def _group(conversation_id: int) -> str:
        return Conversation(pk=conversation_id).channel_group_name

    async def _listen(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
                await self.deliver(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("fan-out delivery failed")
                # E.g. Redis unreachable: do not spin; the layer reconnects on its own.
                await asyncio.sleep(0.5)

    async def deliver(self, event: dict) -> None:
        conversation_id = event.get("conversation_id")
        local = self.sockets.get(conversation_id)
        if not local:
            return
        drop_user_id = event.get("drop_user_id")
        if drop_user_id is not None:
            for socket in [socket for socket in local if socket.user_id == drop_user_id]:
                local.discard(socket)
                await socket.drop_conversation(conversation_id)
            return
        text = event["text"]
        frame = websocket_text_frame(text)
        author_id = event.get("author_id")
        message_id = event.get("message_id")
        for socket in list(local):
            try:
                await socket.deliver(conversation_id, text, author_id, message_id, frame)
            except Exception:
                # One broken socket must not cost the others their message.
                logger.exception("delivery to one socket failed")


def websocket_text_frame(text: str) -> bytes:
    """One complete, unmasked server-to-client WebSocket text frame (RFC 6455 §5.2), built
    once per event and written as-is to every local socket that daphne serves."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 65536:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return header + payload


def write_frame(transport, frame: bytes) -> None:
    """Writes a ready frame to a daphne (Twisted TCP) transport. When Twisted holds nothing
    unsent for this socket, the bytes go straight to the kernel: this skips two epoll changes
    and a reactor round per socket, which is what delivery cost in a busy room (see
    docs/performance.md). Anything not sent at once, and every other case, goes through
    Twisted's own buffer, so the order of bytes on the socket is kept."""
    sock = getattr(transport, "socket", None)
    if (
        sock is not None
        and transport.connected
        and not transport.disconnecting
        and not getattr(transport, "_writeDisconnected", True)
        and not getattr(transport, "_tempDataBuffer", True)
        and len(getattr(transport, "dataBuffer", b"x")) == getattr(transport, "offset", -1)
    ):
        try:
            sent = sock.send(frame)
        except BlockingIOError:
            sent = 0
        except OSError:
            transport.write(frame)
            return
        if sent < len(frame):
            transport.write(frame[sent:])
        return
    transport.write(frame)


_by_loop: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalFanout]" = (
    weakref.WeakKeyDictionary()
)


def local_fanout() -> LocalFanout:
    """The registry of this process (one per event loop: tests run one loop per test)."""
    loop = asyncio.get_running_loop()
    fanout = _by_loop.get(loop)
    if fanout is None:
        fanout = _by_loop[loop] = LocalFanout()
    return fanout
