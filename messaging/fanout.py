"""Per-process fan-out: one channel-layer subscription per conversation per process, stream
events handed to local sockets strictly in stream order, and the same encoded bytes written to
every local socket (docs/decisions/0020-per-process-fan-out.md).

Each process has one channel (`LocalFanout.channel`) that joins a conversation's group while
at least one local socket is in that conversation. The listener receives each envelope once
and gives it to the conversation's `ConversationStream`, which

- hands out stream events (new and changed messages, each with its position `seq`) in `seq`
  order: an event that arrives early (another process published later than it committed)
  waits for the ones before it; if they have not arrived after GAP_WAIT seconds, they are read
  from the database, which holds every committed position;
- keeps who is present in the room (from the live store, then from presence envelopes, in the
  order of their versions) and sends the changes to local sockets in one frame per
  PRESENCE_BATCH seconds, so a crowd arriving costs O(crowd) frames, not O(crowd²); members
  who appear offline are in it too, marked, and only the room's hosts (sockets that may
  moderate it) are told of them, in a second encoding of each frame;
- passes everything else (room settings, access ending) on as it arrives.
"""

import asyncio
import logging
import uuid
import weakref
from collections import OrderedDict

from autobahn.exception import Disconnected
from channels.layers import get_channel_layer
from django.conf import settings

from messaging.db import database
from messaging.frames import (
    FANOUT_EVENT,
    encode_frame,
    skip_envelope,
    skip_text,
    websocket_text_frame,
)
from messaging.live_store import MemoryLiveStore, live_store
from messaging.selectors.conversations import (
    conversation_position,
    conversation_positions,
    presence_members,
    recent_message_states,
    stream_envelopes_between,
)
from messaging.services import realtime

logger = logging.getLogger(__name__)

# How long a stream event that arrived early waits for the positions before it.
GAP_WAIT = 0.2
# Presence changes are sent at most this often (one frame with every arrival and departure).
PRESENCE_BATCH = 0.1
# How many message states a stream keeps for sockets that resume (per conversation and
# process; read from the database when the stream starts), so a crowd reconnecting after a
# restart or a network blip is answered from memory.
RECENT_STATES = 1000
# How long a new subscription may take to be confirmed (seconds).
SUBSCRIBE_WAIT = 5.0


class ConversationStream:
    """One conversation as this process sees it."""

    def __init__(self, conversation_id: int):
        self.conversation_id = conversation_id
        self.sockets: set = set()
        self.ready = asyncio.Event()
        self.failed = False
        # The next stream position to hand out; positions that arrived before it.
        self.next_seq: int | None = None
        self.early: dict[int, dict] = {}
        # message id → (seq, author id, created, message JSON): the latest state of every
        # message changed at or after stream position `recent_from`, in stream order.
        self.recent: OrderedDict[int, tuple] = OrderedDict()
        self.recent_from: int | None = None
        # The conversation's position when last checked (LocalFanout._check_positions): a
        # position seen twice and still not handed out was lost, not merely on its way.
        self.seen_at_last_check: set[int] = set()
        self._gap_task: asyncio.Task | None = None
        self._order = asyncio.Lock()
        # Presence: user id → how the room lists them (with `appears_offline`); the version of
        # each one's last change.
        self.present: dict[int, dict] = {}
        self._presence_versions: dict[int, int] = {}
        self._presence_base_version = 0
        self._arrived: dict[int, dict] = {}
        self._departed: dict[int, dict] = {}
        self._presence_task: asyncio.Task | None = None
        # The `presence` frame for members and for hosts, encoded once per change.
        self._snapshots: dict[bool, str] = {}

    def start(
        self, *, position: int, presence_version: int, members: dict[int, dict], recent: list
    ) -> None:
        """`recent`: the newest message states up to `position`, oldest first, as
        (message id, seq, author id, created, message JSON); at most RECENT_STATES."""
        self.next_seq = position + 1
        for seq in [seq for seq in self.early if seq < self.next_seq]:
            del self.early[seq]
        for message_id, seq, author_id, created, encoded in recent:
            self.recent[message_id] = (seq, author_id, created, encoded)
        # Fewer than asked for: that is every message there is.
        self.recent_from = recent[0][1] if len(recent) >= RECENT_STATES else 1
        self._presence_base_version = presence_version
        self.present = dict(members)
        self.ready.set()

    def stop(self) -> None:
        for task in (self._gap_task, self._presence_task):
            if task is not None:
                task.cancel()

    # Stream events ----------------------------------------------------------------------

    async def receive(self, event: dict) -> None:
        if "seq" in event:
            async with self._order:
                await self._sequenced(event)
        elif "presence" in event:
            self.apply_presence(event["presence"])
        elif "drop_user_id" in event:
            await self._drop(event["drop_user_id"])
        else:
            await self._pass_on(event)

    async def _sequenced(self, event: dict) -> None:
        seq = event["seq"]
        if self.next_seq is None or seq > self.next_seq:
            self.early[seq] = event
            if self.next_seq is not None:
                self._arm_gap_fill()
            return
        if seq < self.next_seq:
            return  # already handed out (or covered by a gap fill)
        await self._hand_out(event)
        self.next_seq = seq + 1
        await self._hand_out_consecutive()

    async def _hand_out_consecutive(self) -> None:
        while self.next_seq in self.early:
            await self._hand_out(self.early.pop(self.next_seq))
            self.next_seq += 1

    def _arm_gap_fill(self) -> None:
        if self._gap_task is None:
            self._gap_task = asyncio.get_running_loop().create_task(self._fill_gap())

    async def _fill_gap(self) -> None:
        try:
            await asyncio.sleep(GAP_WAIT)
            if self.early:
                await self.catch_up(through_seq=max(self.early))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("filling a stream gap failed")
        finally:
            self._gap_task = None
            if self.early and not self.failed:
                self._arm_gap_fill()

    async def catch_up(self, *, through_seq: int) -> None:
        """Hands out every position up to `through_seq` that has not been: those that arrived
        early as they are, the others read from the database (a message's current state, or a
        `skip` where a position was superseded or never used). For a gap, and for events that
        never came at all (the periodic check in LocalFanout)."""
        async with self._order:
            low = self.next_seq
            if low is None or through_seq < low:
                return
            stored = await database(stream_envelopes_between)(
                conversation_id=self.conversation_id, after_seq=low - 1, through_seq=through_seq
            )
            if self.next_seq != low:
                return  # handed out meanwhile (the lock makes this the gap timer's own pass)
            for seq in range(low, through_seq + 1):
                event = self.early.pop(seq, None) or stored.get(seq)
                if event is None:
                    event = skip_envelope(conversation_id=self.conversation_id, seq=seq)
                await self._hand_out(event)
            self.next_seq = through_seq + 1
            await self._hand_out_consecutive()

    async def _hand_out(self, event: dict) -> None:
        """Gives one stream event to every local socket: the same bytes for all (a `skip` for
        viewers the rule keeps it from). Sockets daphne serves over plain TCP are written to
        right here, in one synchronous pass; the others get the text the ordinary way after."""
        seq = event["seq"]
        skip = skip_text(self.conversation_id, seq)
        skip_frame = websocket_text_frame(skip)
        author_id, created = event.get("author_id"), event.get("created")
        if event.get("skip"):
            text, frame = skip, skip_frame
        else:
            text = event["text"]
            frame = websocket_text_frame(text)
            self._remember(
                event["message_id"], seq, author_id, created, text[event["message_at"] : -1]
            )
        conversation_id = self.conversation_id
        slow = []
        for socket in self.sockets:
            try:
                unsent = socket.take_stream_event(
                    conversation_id, seq, author_id, created, text, frame, skip, skip_frame
                )
            except Exception:
                # One broken socket must not cost the others their message.
                logger.exception("delivery to one socket failed")
                continue
            if unsent is not None:
                slow.append((socket, unsent))
        await _send_the_ordinary_way(slow)

    def _remember(self, message_id, seq, author_id, created, encoded) -> None:
        self.recent.pop(message_id, None)
        self.recent[message_id] = (seq, author_id, created, encoded)
        if len(self.recent) > RECENT_STATES:
            _message_id, (oldest_seq, *_rest) = self.recent.popitem(last=False)
            self.recent_from = oldest_seq + 1

    def recent_states_after(self, after_seq: int) -> list[tuple] | None:
        """(seq, author id, created, message JSON) of every message changed after `after_seq`
        up to what was handed out, oldest first; None when memory does not reach back so far
        (the database answers then)."""
        if self.recent_from is None or after_seq + 1 < self.recent_from:
            return None
        newer = []
        for entry in reversed(self.recent.values()):
            if entry[0] <= after_seq:
                break
            newer.append(entry)
        newer.reverse()
        return newer

    async def _pass_on(self, event: dict) -> None:
        text = event["text"]
        frame = websocket_text_frame(text)
        room = event.get("room")
        conversation_id = self.conversation_id
        slow = []
        for socket in self.sockets:
            try:
                if room is not None:
                    socket.room_settings_changed(conversation_id, room)
                if socket.take_text(conversation_id, text, frame):
                    slow.append((socket, text))
            except Exception:
                logger.exception("delivery to one socket failed")
        await _send_the_ordinary_way(slow)

    async def _drop(self, user_id: int) -> None:
        for socket in [socket for socket in self.sockets if socket.user_id == user_id]:
            self.sockets.discard(socket)
            await socket.drop_conversation(self.conversation_id)

    # Presence ---------------------------------------------------------------------------

    def apply_presence(self, change: dict) -> None:
        user_id, version = change["user_id"], change["version"]
        if version <= self._presence_versions.get(user_id, self._presence_base_version):
            return  # an older change heard late
        self._presence_versions[user_id] = version
        if change["present"]:
            member = change["member"]
            self.present[user_id] = member
            self._arrived[user_id] = member
            self._departed.pop(user_id, None)
        else:
            member = self.present.pop(user_id, None) or self._arrived.get(user_id)
            self._arrived.pop(user_id, None)
            if member is not None:
                self._departed[user_id] = member
        self._snapshots = {}
        if self._presence_task is None:
            self._presence_task = asyncio.get_running_loop().create_task(self._send_presence())

    async def _send_presence(self) -> None:
        try:
            await asyncio.sleep(PRESENCE_BATCH)
        finally:
            self._presence_task = None
        arrived, departed = list(self._arrived.values()), list(self._departed.values())
        self._arrived, self._departed = {}, {}
        texts = {
            for_hosts: self._presence_change_text(arrived, departed, for_hosts=for_hosts)
            for for_hosts in (False, True)
        }
        await self._pass_on_presence(texts)

    def _presence_change_text(self, arrived, departed, *, for_hosts: bool) -> str | None:
        arrived = listed_members(arrived, for_hosts=for_hosts)
        departed = [member["public_id"] for member in listed_members(departed, for_hosts=for_hosts)]
        if not arrived and not departed:
            return None
        return encode_frame(
            {
                "type": "presence.changed",
                "conversation_id": self.conversation_id,
                "arrived": arrived,
                "departed": departed,
            }
        )

    async def _pass_on_presence(self, texts: dict[bool, str | None]) -> None:
        """Each socket gets the hosts' or the members' encoding (or nothing, if that one says
        nothing): encoded once each, however many sockets."""
        frames = {key: websocket_text_frame(text) for key, text in texts.items() if text}
        conversation_id = self.conversation_id
        slow = []
        for socket in self.sockets:
            try:
                for_hosts = socket.sees_everyone_present(conversation_id)
                text = texts[for_hosts]
                if text is not None and socket.take_text(conversation_id, text, frames[for_hosts]):
                    slow.append((socket, text))
            except Exception:
                logger.exception("delivery to one socket failed")
        await _send_the_ordinary_way(slow)

    def presence_snapshot(self, *, for_hosts: bool = False) -> str:
        """The `presence` frame for a socket that joins now (encoded once per change): hosts
        see every member present, those who appear offline marked; members see the others."""
        if for_hosts not in self._snapshots:
            members = sorted(
                listed_members(self.present.values(), for_hosts=for_hosts),
                key=lambda member: member["pseudonym"],
            )
            self._snapshots[for_hosts] = encode_frame(
                {"type": "presence", "conversation_id": self.conversation_id, "members": members}
            )
        return self._snapshots[for_hosts]


def listed_members(members, *, for_hosts: bool) -> list[dict]:
    """How a room lists its present members to a viewer: a host (who may moderate the room)
    sees everyone, each with `appears_offline`; anyone else never sees a member who appears
    offline, nor the field."""
    if for_hosts:
        return [
            {**member, "appears_offline": bool(member.get("appears_offline"))} for member in members
        ]
    return [
        {"public_id": member["public_id"], "pseudonym": member["pseudonym"]}
        for member in members
        if not member.get("appears_offline")
    ]


class LocalFanout:
    def __init__(self):
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.listener: asyncio.Task | None = None
        self.streams: dict[int, ConversationStream] = {}
        # (conversation id, socket id) → user id, for the presence heartbeat.
        self.present_sockets: dict[tuple[int, str], int] = {}
        self._heartbeat: asyncio.Task | None = None
        self._checker: asyncio.Task | None = None
        self._markers: dict[str, asyncio.Future] = {}
        self._ready = asyncio.Lock()

    async def _start(self) -> None:
        async with self._ready:
            if self.listener is None:
                self.channel = await self.layer.new_channel("fanout.")
                loop = asyncio.get_running_loop()
                self.listener = loop.create_task(self._listen())
                self._checker = loop.create_task(self._check_positions())

    async def join(self, conversation_id: int, socket) -> ConversationStream:
        """Registers a local socket; the first one subscribes this process and reads the
        conversation's position and presence. Returns once the stream is ready, so events
        committed after the caller's next database read reach the socket."""
        if self.listener is None:
            await self._start()
        stream = self.streams.get(conversation_id)
        if stream is not None:
            stream.sockets.add(socket)
            await stream.ready.wait()
            if stream.failed:
                stream.sockets.discard(socket)
                raise RuntimeError("the conversation stream could not start")
            return stream
        stream = self.streams[conversation_id] = ConversationStream(conversation_id)
        stream.sockets.add(socket)
        try:
            await self.layer.group_add(realtime.conversation_group(conversation_id), self.channel)
            await self._until_subscribed(conversation_id)
            position = await database(conversation_position)(conversation_id=conversation_id)
            version, user_ids = await live_store().presence_members(conversation_id=conversation_id)
            members = await database(presence_members)(
                conversation_id=conversation_id, user_ids=user_ids
            )
            recent = await database(recent_message_states)(
                conversation_id=conversation_id, through_seq=position, limit=RECENT_STATES
            )
        except BaseException:
            stream.failed = True
            stream.ready.set()
            await self._forget(stream)
            raise
        stream.start(position=position, presence_version=version, members=members, recent=recent)
        return stream

    async def _until_subscribed(self, conversation_id: int) -> None:
        """Waits until this process's subscription to the conversation is live: a channel
        layer may take a moment (channels_redis sends SUBSCRIBE without waiting for Redis to
        confirm it), and a message published in that moment would reach the process only
        through a later gap fill. So the process sends itself a marker through the group and
        reads the conversation's position only once the marker has come back."""
        token = uuid.uuid4().hex
        arrived = self._markers[token] = asyncio.get_running_loop().create_future()
        try:
            await self.layer.group_send(
                realtime.conversation_group(conversation_id),
                {"type": FANOUT_EVENT, "conversation_id": conversation_id, "marker": token},
            )
            await asyncio.wait_for(arrived, SUBSCRIBE_WAIT)
        except TimeoutError:
            logger.warning(
                "no confirmation of the subscription to conversation %s", conversation_id
            )
        finally:
            self._markers.pop(token, None)

    async def _check_positions(self) -> None:
        """Every KINDRED_STREAM_CHECK_SECONDS: a stream whose conversation has moved past what it
        handed out, with nothing on the way, lost an event (say Redis dropped a publication):
        the missing positions are read from the database, so even the last message of a quiet
        room is never lost for good."""
        while True:
            await asyncio.sleep(settings.KINDRED_STREAM_CHECK_SECONDS)
            try:
                streams = {cid: s for cid, s in self.streams.items() if s.ready.is_set()}
                if not streams:
                    continue
                positions = await database(conversation_positions)(conversation_ids=list(streams))
                for conversation_id, position in positions.items():
                    stream = streams[conversation_id]
                    if (
                        stream.next_seq is not None
                        and position >= stream.next_seq
                        and position in stream.seen_at_last_check
                    ):
                        await stream.catch_up(through_seq=position)
                    stream.seen_at_last_check = {position}
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("checking stream positions failed")

    async def leave(self, conversation_id: int, socket) -> None:
        stream = self.streams.get(conversation_id)
        if stream is None:
            return
        stream.sockets.discard(socket)
        if not stream.sockets:
            await self._forget(stream)

    async def _forget(self, stream: ConversationStream) -> None:
        conversation_id = stream.conversation_id
        if self.streams.get(conversation_id) is not stream:
            return
        del self.streams[conversation_id]
        stream.stop()
        group = realtime.conversation_group(conversation_id)
        await self.layer.group_discard(group, self.channel)
        if conversation_id in self.streams:
            # Someone joined while we unsubscribed: subscribe again.
            await self.layer.group_add(group, self.channel)

    async def _listen(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
                if "marker" in event:
                    waiting = self._markers.get(event["marker"])
                    if waiting is not None and not waiting.done():
                        waiting.set_result(None)
                    continue
                stream = self.streams.get(event.get("conversation_id"))
                if stream is not None:
                    await stream.receive(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("fan-out delivery failed")
                # E.g. Redis unreachable: do not spin; the layer reconnects on its own.
                await asyncio.sleep(0.5)

    # Presence of local sockets ------------------------------------------------------------

    async def enter(self, *, conversation_id: int, user_id: int, socket_id: str, member: dict):
        """Lists the socket's member in the room (their first socket there announces them)."""
        change = await live_store().presence_enter(
            conversation_id=conversation_id, user_id=user_id, socket_id=socket_id
        )
        self.present_sockets[(conversation_id, socket_id)] = user_id
        self._start_heartbeat()
        if change is not None:
            await self._announce(change, member=member)

    async def exit(self, *, conversation_id: int, user_id: int, socket_id: str) -> None:
        if self.present_sockets.pop((conversation_id, socket_id), None) is None:
            return
        change = await live_store().presence_leave(
            conversation_id=conversation_id, user_id=user_id, socket_id=socket_id
        )
        if change is not None:
            await self._announce(change, member=None)

    async def _announce(self, change, *, member: dict | None) -> None:
        payload = {
            "user_id": change.user_id,
            "present": change.present,
            "version": change.version,
            "member": member,
        }
        # This process knows at once; the others hear it through the layer (and this one
        # hears its own echo, which the version makes a no-op).
        stream = self.streams.get(change.conversation_id)
        if stream is not None and (member is not None or not change.present):
            stream.apply_presence(payload)
        await self.layer.group_send(
            realtime.conversation_group(change.conversation_id),
            {
                "type": FANOUT_EVENT,
                "conversation_id": change.conversation_id,
                "presence": payload,
            },
        )

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None and not isinstance(live_store(), MemoryLiveStore):
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    async def _beat(self) -> None:
        """Keeps this process's presence entries alive and sweeps entries whose process died
        (their expiry passed), announcing those members as gone."""
        period = max(1.0, settings.KINDRED_PRESENCE_TTL / 4)
        store = live_store()
        while True:
            await asyncio.sleep(period)
            try:
                entries = [
                    (conversation_id, user_id, socket_id)
                    for (conversation_id, socket_id), user_id in self.present_sockets.items()
                ]
                # A process that stalled past the expiry comes back: announce its members.
                for change in await store.presence_refresh(entries):
                    stream = self.streams.get(change.conversation_id)
                    member = stream.present.get(change.user_id) if stream else None
                    if member is None and stream is not None:
                        member = await self._member_of(change)
                    await self._announce(change, member=member)
                for change in await store.presence_sweep(list(self.streams)):
                    await self._announce(change, member=None)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("presence heartbeat failed")

    async def _member_of(self, change) -> dict | None:
        members = await database(presence_members)(
            conversation_id=change.conversation_id, user_ids=[change.user_id]
        )
        return members.get(change.user_id)


async def _send_the_ordinary_way(pending) -> None:
    for socket, text in pending:
        try:
            await socket.send_text(text)
        except Disconnected:
            # The socket closed between choosing it and writing to it (autobahn refuses to
            # send on a closing protocol): nothing to deliver, and no fault of anyone's.
            logger.debug("a socket closed before a frame reached it")
        except Exception:
            logger.exception("delivery to one socket failed")


def write_frame(transport, frame: bytes) -> None:
    """Writes a ready frame to a daphne transport that is a plain `twisted.internet.tcp.Server`
    (the caller checks the type once per socket: messaging.consumers._daphne_protocol).

    When Twisted holds nothing unsent for this socket, the bytes go straight to the kernel:
    this skips two epoll changes and a reactor round per socket, which is what delivery cost in
    a busy room (see docs/performance.md). Whatever the kernel does not take at once goes into
    Twisted's buffer, after which every frame goes there until Twisted has sent it all, so the
    order of bytes on the socket is kept. Every other case (closing, half-closed, closed, TLS
    started on the connection, a Twisted without these attributes) is Twisted's own `write`,
    which encrypts, buffers or drops as the connection's state requires."""
    sock = getattr(transport, "socket", None)
    if (
        sock is not None
        and transport.connected
        and not transport.disconnecting
        # startTLS() turns a tcp.Server into a TLS connection in place: its write() encrypts.
        and not getattr(transport, "TLS", True)
        and not getattr(transport, "_writeDisconnected", True)
        and not getattr(transport, "_tempDataBuffer", True)
        and len(getattr(transport, "dataBuffer", b"x")) == getattr(transport, "offset", -1)
    ):
        try:
            sent = sock.send(frame)
        except BlockingIOError:
            sent = 0
        except OSError:
            # Reset or broken pipe: Twisted notices on its next write attempt and closes.
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
