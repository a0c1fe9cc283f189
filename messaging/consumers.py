"""The one WebSocket consumer: /ws/chat/. One socket per page carries the member's personal
events (notifications, sessions ending) and any conversations the page joins.

Authentication happens in connect(), and accept() comes last. Every frame is dispatched on its
"type" to a small method. A joined conversation's access (membership, role, mute, room
settings) is kept on the socket and refreshed by the events that change it and at least every
ACCESS_TTL seconds; the session is checked again on every frame that acts. Domain errors become
{"type": "error", "code": ...} frames; the socket stays open.
"""

import asyncio
import functools
import json
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404
from twisted.internet import tcp
from twisted.internet.interfaces import ISSLTransport

from community import before_you_send, restrictions
from community.models import User
from messaging.consumer_calls import SIGNALLING_FRAMES, CallFrames
from messaging.db import database, run_in_database
from messaging.errors import ERROR_MESSAGES, MessagingDenied, SessionEnded
from messaging.fanout import ConversationStream, local_fanout, write_frame
from messaging.frames import NEW_MESSAGE_PREFIX, encode_frame, messages_page_text
from messaging.limits import acheck_send_limits
from messaging.permissions import (
    ConversationAccess,
    ViewerFilter,
    check_post_message,
    get_conversation_access_or_404,
)
from messaging.selectors import conversations as selectors
from messaging.selectors.mentions import may_mention, mention_candidates, mentionable_names
from messaging.selectors.notifications import unread_notification_count
from messaging.selectors.unread import room_unread_counts, unread_messages_total
from messaging.services import conversations as services
from messaging.services import reactions
from messaging.sockets import CLOSE_SESSION_ENDED, SessionSocket

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 16_000
MAX_JOINED_CONVERSATIONS = 20
# Rooms one socket may watch for the inbox's live counts (a member's groups).
MAX_WATCHED_ROOMS = 100
# A joined conversation's access is checked again at least this often (seconds), even when no
# event said it changed.
ACCESS_TTL = 30.0
# Close codes (docs/protocol.md; 4001, the session ended, is messaging.sockets').
CLOSE_ACCESS_ENDED = 4003


class FrameError(Exception):
    def __init__(self, code: str):
        self.code = code


@dataclass
class Joined:
    access: ConversationAccess
    viewer: ViewerFilter
    stream: ConversationStream | None = None
    # While the backlog is being sent, live events wait here so the client sees them in order.
    pending: list | None = field(default_factory=list)
    # The stream position this socket has brought its client to.
    last_seq: int = 0
    present: bool = False
    stale: bool = False
    # A room's pseudonyms "before you send" reads as mentions (@Pseudonym), not handles, and
    # when they were read (time.monotonic()).
    mentionable: tuple[str, ...] = ()
    mentionable_at: float = 0.0


@dataclass
class Watched:
    """A room the inbox shows: its unread count follows new messages (docs/protocol.md,
    Watching rooms). Until `position` is known, new messages wait in `early`."""

    group_id: int | None = None
    position: int | None = None
    unread: int | None = None
    early: list = field(default_factory=list)


def _integer(frame: dict, name: str, *, required: bool = True, minimum: int = 0) -> int | None:
    value = frame.get(name)
    if value is None and not required:
        return None
    if type(value) is not int or value < minimum or value > 2**62:
        raise FrameError("invalid")
    return value


def _decode(text_data: str | None):
    """The frame, or None for anything that is not one: binary, oversized, not JSON, or
    nested deeper than the decoder goes."""
    if text_data is None or len(text_data) > MAX_FRAME_CHARS:
        return None
    try:
        return json.loads(text_data)
    except (ValueError, RecursionError):
        return None


class FrameBudget:
    """One socket's allowance of frames, `(frames, seconds)` from the named setting, counted
    in fixed windows in the socket's own memory."""

    def __init__(self, setting: str):
        self.setting = setting
        self.window_start, self.used = time.monotonic(), 0

    def spend(self) -> bool:
        frames, seconds = getattr(settings, self.setting)
        now = time.monotonic()
        if now - self.window_start > seconds:
            self.window_start, self.used = now, 0
        self.used += 1
        return self.used <= frames


class ChatConsumer(CallFrames, SessionSocket):
    async def connect(self):
        if not await self.open_session():
            await self.close()
            return
        self.joined: dict[int, Joined] = {}
        self.watching: dict[int, Watched] = {}
        self.hidden_author_ids: set[int] | None = None
        self.socket_id = uuid.uuid4().hex
        self.frame_budget = FrameBudget("KINDRED_SOCKET_FRAME_BUDGET")
        # Relayed call signalling counts apart: a full mesh of twelve negotiates with eleven
        # peers at once, more frames than chat ever needs (docs/protocol.md, "Calls").
        self.signal_budget = FrameBudget("KINDRED_CALL_SIGNAL_BUDGET")
        unread, unread_messages, self.own_words = await database(_socket_start)(
            user_id=self.user_id
        )
        await self.accept()
        self.daphne_protocol = _daphne_protocol(self.base_send)
        self.watch_expiry()
        await self.send_frame(
            {
                "type": "hello",
                "unread_notifications": unread,
                "unread_messages": unread_messages,
            }
        )

    async def disconnect(self, code):
        if hasattr(self, "joined"):
            await self._leave_call(dropped=True)
            await self._leave_all()
            for conversation_id in list(self.watching):
                await self._unwatch(conversation_id)
        await super().disconnect(code)

    # Frames from the client ------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        reference = client_id = None
        try:
            frame = _decode(text_data)
            signalling = isinstance(frame, dict) and frame.get("type") in SIGNALLING_FRAMES
            if not (self.signal_budget if signalling else self.frame_budget).spend():
                raise FrameError("rate_limited")
            if text_data is None:
                raise FrameError("unsupported")
            if len(text_data) > MAX_FRAME_CHARS:
                raise FrameError("frame_too_large")
            if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
                raise FrameError("malformed")
            reference = frame.get("ref")
            if isinstance(reference, bool) or not isinstance(reference, (str, int)):
                reference = None
            if frame["type"] == "send" and isinstance(frame.get("client_id"), str):
                # Every error caused by a send names the message it refused.
                client_id = frame["client_id"][: services.MAX_CLIENT_ID_LENGTH]
            handler = self.HANDLERS.get(frame["type"])
            if handler is None:
                raise FrameError("unknown_type")
            if handler not in SELF_CHECKING_HANDLERS and not await self.session_holds():
                # Signed out elsewhere, expired, or the account was deactivated.
                await self.end_socket(CLOSE_SESSION_ENDED)
                return
            await handler(self, frame)
        except SessionEnded:
            await self.end_socket(CLOSE_SESSION_ENDED)
        except FrameError as error:
            await self.send_error(error.code, ref=reference, client_id=client_id)
        except before_you_send.HeldBack as held:
            # Nothing stored: the client offers "Send anyway", which resends with "confirm".
            await self.send_error(
                "identity_warning",
                ref=reference,
                client_id=client_id,
                message_id=frame.get("message_id") if frame["type"] == "edit" else None,
                kinds=list(held.findings.kinds),
                message=before_you_send.warning_text(held.findings),
            )
        except MessagingDenied as error:
            await self.send_error(
                error.code,
                ref=reference,
                client_id=client_id,
                retry_after=error.retry_after,
                message=str(error.message),
            )
        except Http404:
            await self.send_error("not_found", ref=reference, client_id=client_id)
        except Exception:
            logger.exception("chat frame failed")
            await self.send_error("server_error", ref=reference, client_id=client_id)

    async def on_ping(self, frame):
        pong = {"type": "pong"}
        reference = frame.get("ref")
        if isinstance(reference, (str, int)) and not isinstance(reference, bool):
            pong["ref"] = reference
        await self.send_frame(pong)

    async def on_join(self, frame):
        conversation_id = _integer(frame, "conversation_id", minimum=1)
        after_seq = _integer(frame, "after_seq", required=False)
        if conversation_id in self.joined:
            await self._leave(conversation_id)
        if len(self.joined) >= MAX_JOINED_CONVERSATIONS:
            raise FrameError("too_many_conversations")
        access = await self._fetch_access(conversation_id)
        if self.hidden_author_ids is None:
            self.hidden_author_ids = await database(restrictions.hidden_author_ids)(
                viewer_id=self.user_id
            )
        joined = Joined(
            access=access, viewer=access.viewer(hidden_author_ids=self.hidden_author_ids)
        )
        # Subscribe before reading the backlog, so nothing committed in between is missed;
        # events that arrive meanwhile wait in `pending`.
        self.joined[conversation_id] = joined
        try:
            joined.stream = await local_fanout().join(conversation_id, self)
        except BaseException:
            self.joined.pop(conversation_id, None)
            raise
        conversation = access.conversation
        candidates = await self._load_mentionable(joined)
        await self.send_frame(
            {
                "type": "joined",
                "conversation_id": conversation_id,
                "kind": conversation.kind,
                "room": _room_settings(conversation),
                "can_moderate": access.can_moderate,
                "mention_candidates": candidates,
            }
        )
        if conversation.kind == conversation.Kind.ROOM:
            await self._enter_presence(joined)
            await self.send_text(joined.stream.presence_snapshot(for_hosts=access.can_moderate))
        await self._send_backlog(joined, after_seq=after_seq)
        await self._flush_pending(joined)

    async def _send_backlog(self, joined: Joined, *, after_seq: int | None) -> None:
        if after_seq is not None and await self._resume_from_memory(joined, after_seq=after_seq):
            return
        conversation_id = joined.access.conversation.pk
        through = await database(selectors.conversation_position)(conversation_id=conversation_id)
        if after_seq is None or after_seq > through:
            # A fresh page, or a client ahead of the server (a restored database): start over.
            messages, has_more = await database(selectors.messages_before)(
                conversation_id=conversation_id, viewer=joined.viewer, through_seq=through
            )
            await self._send_messages(
                joined, messages, mode="latest", has_more=has_more, through_seq=through
            )
            joined.last_seq = through
            return
        cursor = after_seq
        while True:
            messages = await database(selectors.messages_changed_between)(
                conversation_id=conversation_id,
                viewer=joined.viewer,
                after_seq=cursor,
                through_seq=through,
            )
            more = len(messages) >= selectors.RESUME_LIMIT
            cursor = messages[-1].changed_seq if more else through
            await self._send_messages(
                joined, messages, mode="resume", has_more=more, through_seq=cursor
            )
            joined.last_seq = cursor
            if not more:
                return

    async def _resume_from_memory(self, joined: Joined, *, after_seq: int) -> bool:
        """Resumes from what the stream keeps in memory, when it reaches back to `after_seq`:
        no database, no encoding, the page built from JSON already made."""
        stream = joined.stream
        through = stream.next_seq - 1
        states = stream.recent_states_after(after_seq) if after_seq <= through else None
        if states is None:
            return False
        viewer = joined.viewer
        if viewer.restricts:
            states = [
                state
                for state in states
                if viewer.allows(author_id=state[1], created_timestamp=state[2])
            ]
        conversation_id = joined.access.conversation.pk
        limit = selectors.RESUME_LIMIT
        for start in range(0, max(len(states), 1), limit):
            page = states[start : start + limit]
            more = start + limit < len(states)
            await self.send_text(
                messages_page_text(
                    conversation_id=conversation_id,
                    mode="resume",
                    encoded_messages=[state[3] for state in page],
                    has_more=more,
                    through_seq=page[-1][0] if more else through,
                )
            )
        joined.last_seq = through
        return True

    async def on_watch(self, frame):
        """The inbox asks for live unread counts of the member's rooms: each is checked as a
        join is, then followed through the process's fan-out without joining (no presence,
        no messages sent): only `room.unread` frames."""
        ids = frame.get("conversation_ids")
        if (
            not isinstance(ids, list)
            or len(ids) > MAX_WATCHED_ROOMS
            or any(type(each) is not int or each < 1 for each in ids)
        ):
            raise FrameError("invalid")
        new = [each for each in dict.fromkeys(ids) if each not in self.watching]
        if len(self.watching) + len(new) > MAX_WATCHED_ROOMS:
            raise FrameError("too_many_conversations")
        groups = {}
        for conversation_id in new:
            access = await self._fetch_access(conversation_id)
            if access.conversation.kind != access.conversation.Kind.ROOM:
                raise MessagingDenied("not_found")
            groups[conversation_id] = access.group_id
        fanout = local_fanout()
        for conversation_id in new:
            self.watching[conversation_id] = Watched(group_id=groups[conversation_id])
            try:
                await fanout.join(conversation_id, self)
            except BaseException:
                self.watching.pop(conversation_id, None)
                raise
        counts = await database(room_unread_counts)(user_id=self.user_id, conversation_ids=new)
        for conversation_id in new:
            watched = self.watching.get(conversation_id)
            if watched is None:
                continue  # access ended meanwhile
            watched.position, watched.unread = counts.get(conversation_id, (0, None))
            if watched.unread is not None:
                watched.unread += sum(1 for seq in watched.early if seq > watched.position)
            watched.early = []
        await self.send_frame(
            {
                "type": "watching",
                "unread": {
                    str(conversation_id): watched.unread
                    for conversation_id, watched in self.watching.items()
                    if watched.unread is not None
                },
            }
        )

    async def _unwatch(self, conversation_id: int) -> None:
        if (
            self.watching.pop(conversation_id, None) is not None
            and conversation_id not in self.joined
        ):
            await local_fanout().leave(conversation_id, self)

    async def on_leave(self, frame):
        conversation_id = _integer(frame, "conversation_id", minimum=1)
        await self._leave(conversation_id)
        await self.send_frame({"type": "left", "conversation_id": conversation_id})

    async def on_send(self, frame):
        joined = self._joined(frame)
        client_id = services.check_client_id(frame.get("client_id"))
        body = services.clean_body(frame.get("body"))
        content_warning = services.clean_content_warning(frame.get("content_warning"))
        access = None if self._access_is_stale(joined) else joined.access
        if access is not None and access.conversation.kind == access.conversation.Kind.ROOM:
            check_post_message(access=access, body=body)  # reads only the kept access
        text = services.checked_text(body=body, content_warning=content_warning)
        if (
            may_mention(access=joined.access, text=text)
            and time.monotonic() - joined.mentionable_at > ACCESS_TTL
        ):
            await self._load_mentionable(joined)
        # "Before you send", on the kept words (no query), before any limit counts it.
        findings = before_you_send.hold_back_if_identifying(
            text=text,
            user=self.user,
            confirmed=frame.get("confirm") is True,
            words=self._writer_words(joined),
        )
        try:
            await acheck_send_limits(access=access or joined.access)
        except MessagingDenied:
            # A resend of a message already stored is answered, whatever the limits say now.
            message = await database(services.find_stored_message)(
                conversation_id=joined.access.conversation.pk,
                sender_id=self.user_id,
                client_id=client_id,
            )
            if message is None:
                raise
        else:
            message, access, self.session_proof = await run_in_database(
                _send_from_socket,
                proof=self.session_proof,
                conversation_id=joined.access.conversation.pk,
                access=access,
                sender=self.user,
                body=body,
                client_id=client_id,
                content_warning=content_warning,
            )
            self._keep_access(joined, access)
        await self.send_frame(
            {
                "type": "ack",
                "conversation_id": message.conversation_id,
                "client_id": client_id,
                "id": message.pk,
                "seq": message.seq,
            }
        )
        if findings.self_harm:
            await self._send_crisis_notice(message.conversation_id, client_id=client_id)

    async def on_edit(self, frame):
        message_id = _integer(frame, "message_id", minimum=1)
        message = await run_in_database(
            services.edit_message,
            message_id=message_id,
            editor=self.user,
            body=frame.get("body"),
            content_warning=frame.get("content_warning"),
            confirmed=frame.get("confirm") is True,
        )
        if before_you_send.check_text(message.body).self_harm:
            await self._send_crisis_notice(message.conversation_id, message_id=message_id)

    async def on_delete(self, frame):
        message_id = _integer(frame, "message_id", minimum=1)
        await run_in_database(services.delete_message, message_id=message_id, actor=self.user)

    async def on_react(self, frame):
        message_id = _integer(frame, "message_id", minimum=1)
        message, mine = await run_in_database(
            reactions.set_reaction,
            message_id=message_id,
            user=self.user,
            kind=frame.get("kind"),
            on=frame.get("on", True),
        )
        # Everyone joined gets the new counts as message.updated; the reactor alone, "mine".
        await self.send_frame(
            {
                "type": "reaction",
                "conversation_id": message.conversation_id,
                "message_id": message.pk,
                "mine": mine,
            }
        )

    async def on_history(self, frame):
        joined = self._joined(frame)
        before_seq = _integer(frame, "before_seq", minimum=1)
        await self._current_access(joined)
        messages, has_more = await database(selectors.messages_before)(
            conversation_id=joined.access.conversation.pk,
            viewer=joined.viewer,
            before_seq=before_seq,
        )
        await self._send_messages(joined, messages, mode="history", has_more=has_more)

    async def on_read(self, frame):
        joined = self._joined(frame)
        seq = _integer(frame, "seq", minimum=1)
        access = await self._current_access(joined)
        await run_in_database(
            services.mark_conversation_read, access=access, user=self.user, seq=seq
        )

    HANDLERS = {
        "ping": on_ping,
        "join": on_join,
        "leave": on_leave,
        "send": on_send,
        "edit": on_edit,
        "delete": on_delete,
        "react": on_react,
        "history": on_history,
        "read": on_read,
        "watch": on_watch,
        **CallFrames.CALL_HANDLERS,
    }

    # Events from the channel layer (personal groups user.<id> and session.<digest>) ---------

    async def membership_ended(self, event):
        for conversation_id in [
            each for each, watched in self.watching.items() if watched.group_id == event["group_id"]
        ]:
            await self._unwatch(conversation_id)
        in_its_call = self.seat is not None and self.seat.group_id == event["group_id"]
        if in_its_call or any(
            joined.access.group_id == event["group_id"] for joined in self.joined.values()
        ):
            await self.end_socket(CLOSE_ACCESS_ENDED)

    async def conversation_ended(self, event):
        in_its_call = (
            self.seat is not None and self.seat.conversation_id == event["conversation_id"]
        )
        if in_its_call or event["conversation_id"] in self.joined:
            await self.end_socket(CLOSE_ACCESS_ENDED)

    async def access_changed(self, event):
        """A mute, a role, two-factor authentication, the profile or the member's own words
        changed: check again now, and tell the client what it may do in each joined
        conversation (`access.updated`)."""
        self.user = await database(_reload_user)(user_id=self.user_id)
        self.own_words = await database(before_you_send.own_words_of)(user_id=self.user_id)
        for conversation_id, joined in list(self.joined.items()):
            try:
                access = await self._fetch_access(conversation_id)
            except (Http404, MessagingDenied):
                await self.end_socket(CLOSE_ACCESS_ENDED)
                return
            was_host = joined.access.can_moderate
            self._keep_access(joined, access)
            await self.send_frame(
                {
                    "type": "access.updated",
                    "conversation_id": conversation_id,
                    "can_moderate": access.can_moderate,
                    "muted_until": access.muted_until.isoformat() if access.is_muted() else None,
                }
            )
            is_room = access.conversation.kind == access.conversation.Kind.ROOM
            if is_room and joined.stream is not None and was_host != access.can_moderate:
                # Who is listed depends on the role: the room as the new role sees it.
                await self.send_text(joined.stream.presence_snapshot(for_hosts=access.can_moderate))

    async def notification_created(self, event):
        await self.send_frame(
            {
                "type": "notification",
                "notification": event["notification"],
                "unread_notifications": event["unread_count"],
            }
        )

    async def unread_changed(self, event):
        watched = self.watching.get(event["conversation_id"])
        if watched is not None and watched.unread is not None:
            watched.unread = event["unread"]  # the read marker moved (another tab)
        await self.send_frame(
            {
                "type": "unread",
                "conversation_id": event["conversation_id"],
                "unread": event["unread"],
                "total": event["total"],
            }
        )

    async def blocks_changed(self, event):
        self.hidden_author_ids = await database(restrictions.hidden_author_ids)(
            viewer_id=self.user_id
        )
        for joined in self.joined.values():
            joined.viewer = joined.access.viewer(hidden_author_ids=self.hidden_author_ids)

    # Called by the process's fan-out (messaging/fanout.py) ----------------------------------

    def take_stream_event(
        self, conversation_id, seq, author_id, created, text, frame, skip, skip_frame
    ) -> str | None:
        """The hot path, called by the fan-out for every local socket in the conversation:
        synchronous, no encoding. Writes the pre-built frame (or the `skip` the viewer rule
        calls for) straight to a plain-TCP daphne socket, or returns the text to send the
        ordinary way; None when there is nothing to send (yet)."""
        joined = self.joined.get(conversation_id)
        if joined is None:
            watched = self.watching.get(conversation_id)
            if watched is None or self.closing:
                return None
            return self._watched_event(conversation_id, watched, seq, author_id, text)
        if self.closing:
            return None
        if joined.pending is not None:
            joined.pending.append((seq, author_id, created, text, skip))
            return None
        if seq <= joined.last_seq:
            return None  # already in the backlog this socket sent
        joined.last_seq = seq
        viewer = joined.viewer
        if (
            viewer.restricts
            and text is not skip
            and not viewer.allows(author_id=author_id, created_timestamp=created)
        ):
            text, frame = skip, skip_frame
        transport = self._fast_transport()
        if transport is not None:
            # The same pre-built frame bytes for every local socket: no per-socket encoding,
            # framing or middleware (docs/decisions/0020-per-process-fan-out.md).
            write_frame(transport, frame)
            return None
        return text

    def _watched_event(self, conversation_id, watched, seq, author_id, text) -> str | None:
        """A new message in a watched room counts as unread as the inbox counts it: someone
        else's, after the read marker (a `skip` or a change counts nothing)."""
        if author_id == self.user_id or not text.startswith(NEW_MESSAGE_PREFIX):
            return None
        if watched.position is None:
            watched.early.append(seq)
            return None
        if watched.unread is None or seq <= watched.position:
            return None
        watched.unread += 1
        return encode_frame(
            {"type": "room.unread", "conversation_id": conversation_id, "unread": watched.unread}
        )

    def sees_everyone_present(self, conversation_id: int) -> bool:
        """A room's hosts (who may moderate it) see members who appear offline, marked."""
        joined = self.joined.get(conversation_id)
        return joined is not None and joined.access.can_moderate

    def take_text(self, conversation_id: int, text: str, frame: bytes) -> bool:
        """A frame without a stream position (room settings, presence): written now, queued
        behind a backlog being sent, or (True) to be sent the ordinary way."""
        joined = self.joined.get(conversation_id)
        if joined is None or self.closing:
            return False
        if joined.pending is not None:
            joined.pending.append((None, None, None, text, None))
            return False
        transport = self._fast_transport()
        if transport is not None:
            write_frame(transport, frame)
            return False
        return True

    async def _flush_pending(self, joined: Joined) -> None:
        """After the backlog: what arrived meanwhile, in order, past what the backlog held."""
        while joined.pending:
            pending, joined.pending = joined.pending, []
            for seq, author_id, created, text, skip in pending:
                if seq is not None:
                    if seq <= joined.last_seq:
                        continue
                    joined.last_seq = seq
                    if text is not skip and not joined.viewer.allows(
                        author_id=author_id, created_timestamp=created
                    ):
                        text = skip
                await self.send_text(text)
        joined.pending = None

    def room_settings_changed(self, conversation_id: int, room: dict) -> None:
        joined = self.joined.get(conversation_id)
        if joined is not None:
            conversation = joined.access.conversation
            conversation.locked = room["locked"]
            conversation.slow_mode_seconds = room["slow_mode_seconds"]
            conversation.links_restricted = room["links_restricted"]

    async def drop_conversation(self, conversation_id: int) -> None:
        """Access to this conversation ended: the socket hears nothing more and closes (an
        inbox that only watched the room stops watching it)."""
        self.watching.pop(conversation_id, None)
        if conversation_id in self.joined:
            await self.end_socket(CLOSE_ACCESS_ENDED)

    async def send_text(self, text: str) -> None:
        await self.send(text_data=text)

    def _fast_transport(self):
        """The TCP transport to write pre-built frames to, when that is safe now: daphne's
        plain-TCP socket (see `_daphne_protocol`), open, with nothing autobahn holds back in
        its own queue (chopped or synchronous writes go first)."""
        protocol = self.daphne_protocol
        if (
            protocol is not None
            and protocol.state == protocol.STATE_OPEN
            and not protocol.send_queue
        ):
            return protocol.transport
        return None

    # Helpers ---------------------------------------------------------------------------------

    async def _fetch_access(self, conversation_id: int) -> ConversationAccess:
        return await database(get_conversation_access_or_404)(
            user=self.user, conversation_id=conversation_id
        )

    def _access_is_stale(self, joined: Joined) -> bool:
        return joined.stale or time.monotonic() - joined.access.checked_at > ACCESS_TTL

    def _keep_access(self, joined: Joined, access: ConversationAccess) -> None:
        if access is joined.access:
            return
        # Room settings the stream announced stay the ones that count.
        joined.access = access
        joined.stale = False
        joined.viewer = access.viewer(hidden_author_ids=self.hidden_author_ids or ())

    async def _current_access(self, joined: Joined) -> ConversationAccess:
        if self._access_is_stale(joined):
            self._keep_access(joined, await self._fetch_access(joined.access.conversation.pk))
        return joined.access

    def _joined(self, frame: dict) -> Joined:
        joined = self.joined.get(_integer(frame, "conversation_id", minimum=1))
        if joined is None:
            raise FrameError("not_joined")
        return joined

    def _writer_words(self, joined: Joined) -> before_you_send.WriterWords:
        conversation = joined.access.conversation
        return before_you_send.words_for(
            user=self.user,
            own=self.own_words,
            watched=conversation.group.watched_words if conversation.group_id else "",
            mentionable=joined.mentionable,
        )

    async def _load_mentionable(self, joined: Joined) -> list[dict]:
        """A room's mention candidates (for `joined`), keeping their pseudonyms for "before
        you send"; [] elsewhere, without a query."""
        if joined.access.conversation.kind != joined.access.conversation.Kind.ROOM:
            return []
        candidates = await database(mention_candidates)(access=joined.access, user=self.user)
        joined.mentionable = mentionable_names(candidates=candidates, user=self.user)
        joined.mentionable_at = time.monotonic()
        return candidates

    async def _send_crisis_notice(self, conversation_id: int, **subject) -> None:
        """Privately, to the writer only: where help is. Nothing was held back for it."""
        await self.send_frame(
            {
                "type": "notice",
                "code": "crisis_resources",
                "conversation_id": conversation_id,
                **subject,
                "message": str(before_you_send.CRISIS_NOTICE_TEXT),
                "url": before_you_send.crisis_url(),
                "link_text": str(before_you_send.CRISIS_LINK_TEXT),
            }
        )

    def _presence_id(self, conversation_id: int) -> str:
        return f"{self.socket_id}:{conversation_id}"

    async def _enter_presence(self, joined: Joined) -> None:
        """Lists this socket's member in the room. One who chose "appear offline" is listed
        too, marked, so the room's hosts see everyone present (a meeting's attendee check);
        the fan-out never tells anyone else (messaging.fanout.listed_members)."""
        profile = self.user.profile
        conversation_id = joined.access.conversation.pk
        if joined.access.as_moderator:
            listed = selectors.moderator_member(
                conversation_id=conversation_id, user_id=self.user_id
            )
            member = {"public_id": listed["public_id"], "pseudonym": listed["pseudonym"]}
        else:
            member = {"public_id": profile.public_id, "pseudonym": profile.pseudonym}
        member["appears_offline"] = profile.appear_offline
        await local_fanout().enter(
            conversation_id=conversation_id,
            user_id=self.user_id,
            socket_id=self._presence_id(conversation_id),
            member=member,
        )
        joined.present = True

    async def _send_messages(
        self, joined: Joined, messages, *, mode: str, has_more: bool, through_seq=None
    ):
        alias = joined.access.alias
        frame = {
            "type": "messages",
            "conversation_id": joined.access.conversation.pk,
            "mode": mode,
            "messages": [selectors.serialize_message(message, alias=alias) for message in messages],
            "has_more": has_more,
        }
        if through_seq is not None:
            frame["through_seq"] = through_seq
        await self.send_frame(frame)

    async def _leave(self, conversation_id: int) -> None:
        joined = self.joined.pop(conversation_id, None)
        if joined is None:
            return
        fanout = local_fanout()
        if conversation_id not in self.watching:
            await fanout.leave(conversation_id, self)
        if joined.present:
            await fanout.exit(
                conversation_id=conversation_id,
                user_id=self.user_id,
                socket_id=self._presence_id(conversation_id),
            )

    async def _leave_all(self) -> None:
        for conversation_id in list(self.joined):
            await self._leave(conversation_id)

    async def end_socket(self, code: int) -> None:
        if self.closing:
            return
        self.closing = True
        # Out of every stream first, so nothing more reaches this socket.
        fanout = local_fanout()
        for conversation_id in list(self.joined):
            await fanout.leave(conversation_id, self)
        await self.close(code=code)

    async def send_frame(self, frame: dict) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def send_error(self, code: str, **extra) -> None:
        frame = {"type": "error", "code": code, "message": str(ERROR_MESSAGES.get(code, ""))}
        frame.update({key: value for key, value in extra.items() if value is not None})
        await self.send_frame(frame)


def _send_from_socket(
    *, proof, conversation_id, access, sender, body, client_id, content_warning
) -> tuple:
    """The hot path, in one trip to the database thread: the access check only when the
    socket's copy is stale, then the session check and the insert (one statement on
    PostgreSQL)."""
    if access is None:
        access = get_conversation_access_or_404(user=sender, conversation_id=conversation_id)
    message, proof = services.post_message_from_socket(
        access=access,
        sender=sender,
        body=body,
        client_id=client_id,
        content_warning=content_warning,
        proof=proof,
    )
    return message, access, proof


def _socket_start(*, user_id: int) -> tuple[int, int, tuple[str, ...]]:
    """What a new socket needs, in one trip: the unread counts for `hello` (notifications,
    messages) and the member's own words for the "before you send" check."""
    return (
        unread_notification_count(recipient_id=user_id),
        unread_messages_total(user_id=user_id),
        before_you_send.own_words_of(user_id=user_id),
    )


def _reload_user(*, user_id: int):
    return User.objects.select_related("profile").get(pk=user_id)


# Handlers that need no session check first: ping touches nothing; send and the call relay
# check it themselves, in the same trip to the database as their own work.
SELF_CHECKING_HANDLERS = {
    ChatConsumer.on_ping,
    ChatConsumer.on_send,
    ChatConsumer.on_call_offer,
    ChatConsumer.on_call_answer,
    ChatConsumer.on_call_candidate,
}


def _daphne_protocol(send):
    """The autobahn protocol daphne serves this socket with, found through the ASGI `send`
    callable (channels' session wrapper → daphne's partial(handle_reply, protocol)), when frame
    bytes may be written to its transport directly: a plain TCP connection (not TLS, not any
    other wrapper) driven by the event loop this code runs on. None otherwise (TLS served by
    daphne itself, a Unix socket, any other server, tests), where the ordinary ASGI send is
    used. docs/decisions/0020-per-process-fan-out.md lists what this relies on."""
    inner = getattr(getattr(send, "__self__", None), "real_send", send)
    if not (isinstance(inner, functools.partial) and inner.args):
        return None
    protocol = inner.args[0]
    if not all(hasattr(protocol, name) for name in ("transport", "STATE_OPEN", "send_queue")):
        _log_path_once(fast=False, reason=f"{type(protocol).__name__} is not autobahn's protocol")
        return None
    transport = protocol.transport
    fast = (
        # Exactly the class: a TLS wrapper forwards attribute reads (socket, buffers) to the
        # TCP transport underneath, so duck typing would let plaintext out under TLS.
        type(transport) is tcp.Server
        and not ISSLTransport.providedBy(transport)
        # Twisted's buffers may only be touched from the reactor's own thread and loop.
        and getattr(transport.reactor, "_asyncioEventloop", None) is asyncio.get_running_loop()
    )
    _log_path_once(fast=fast, reason=f"transport {type(transport).__name__} is not plain TCP")
    return protocol if fast else None


_logged_paths: set[bool] = set()


def _log_path_once(*, fast: bool, reason: str) -> None:
    if fast in _logged_paths:
        return
    _logged_paths.add(fast)
    if fast:
        logger.info("fan-out: direct writes to plain TCP sockets (fast path on)")
    else:
        logger.info("fan-out: %s; frames go through the ASGI send", reason)


def _room_settings(conversation) -> dict:
    return {
        "locked": conversation.locked,
        "slow_mode_seconds": conversation.slow_mode_seconds,
        "links_restricted": conversation.links_restricted,
    }
