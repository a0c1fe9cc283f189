"""The one WebSocket consumer: /ws/chat/. One socket per page carries the member's personal
events (notifications, sessions ending) and any conversations the page joins.

Authentication happens in connect(), and accept() comes last. Every frame is dispatched on its
"type" to a small method; every method that touches a conversation re-checks access through the
services and selectors, so a change of membership, lock or block applies to the next frame.
Domain errors become {"type": "error", "code": ...} frames; the socket stays open.
"""

import functools
import json
import logging
import time
import uuid
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404

from messaging.errors import ERROR_MESSAGES, MessagingDenied
from messaging.fanout import local_fanout, write_frame
from messaging.permissions import ConversationAccess, get_conversation_access_or_404
from messaging.selectors import conversations as selectors
from messaging.selectors.notifications import unread_notification_count
from messaging.selectors.sessions import session_is_valid
from messaging.services import conversations as services
from messaging.services.realtime import user_channel_group
from moderation.selectors.blocks import hidden_author_ids

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 16_000
# Per socket, any frame type: a flood costs the server nothing beyond this check.
FRAME_BUDGET = (60, 10.0)  # frames, seconds
MAX_JOINED_CONVERSATIONS = 20
# Close codes (docs/protocol.md).
CLOSE_SESSION_ENDED = 4001
CLOSE_ACCESS_ENDED = 4003


class FrameError(Exception):
    def __init__(self, code: str):
        self.code = code


@dataclass
class Joined:
    access: ConversationAccess
    hidden_author_ids: set[int]
    # While the backlog is being sent, live events wait here so the client sees ids in order.
    pending: list | None = field(default_factory=list)
    last_sent_id: int = 0


def _integer(frame: dict, name: str, *, required: bool = True, minimum: int = 0) -> int | None:
    value = frame.get(name)
    if value is None and not required:
        return None
    if type(value) is not int or value < minimum or value > 2**62:
        raise FrameError("invalid")
    return value


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close()
            return
        self.user = user
        self.user_id = user.pk
        self.session_key = self.scope["session"].session_key
        self.joined: dict[int, Joined] = {}
        self.closing = False
        self.socket_id = uuid.uuid4().hex
        self.budget_window_start, self.budget_used = time.monotonic(), 0
        await self.channel_layer.group_add(user_channel_group(user.pk), self.channel_name)
        unread = await database_sync_to_async(unread_notification_count)(recipient_id=user.pk)
        await self.accept()
        self.daphne_protocol = _daphne_protocol(self.base_send)
        await self.send_frame({"type": "hello", "unread_notifications": unread})

    async def disconnect(self, code):
        if not hasattr(self, "joined"):
            return
        await self._leave_all()
        await self.channel_layer.group_discard(user_channel_group(self.user_id), self.channel_name)

    # Frames from the client ------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.closing:
            return
        reference = None
        try:
            if not self._spend_frame_budget():
                raise FrameError("rate_limited")
            if text_data is None:
                raise FrameError("unsupported")
            if len(text_data) > MAX_FRAME_CHARS:
                raise FrameError("frame_too_large")
            try:
                frame = json.loads(text_data)
            except ValueError:
                raise FrameError("malformed") from None
            if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
                raise FrameError("malformed")
            reference = frame.get("ref") if isinstance(frame.get("ref"), (str, int)) else None
            handler = self.HANDLERS.get(frame["type"])
            if handler is None:
                raise FrameError("unknown_type")
            if handler not in SELF_CHECKING_HANDLERS and not await database_sync_to_async(
                session_is_valid
            )(session_key=self.session_key, user_id=self.user_id):
                # Signed out elsewhere, expired, or the account was deactivated.
                await self._close_now(CLOSE_SESSION_ENDED)
                return
            await handler(self, frame)
        except FrameError as error:
            await self.send_error(error.code, reference=reference)
        except MessagingDenied as error:
            await self.send_error(error.code, reference=reference, retry_after=error.retry_after)
        except Http404:
            await self.send_error("not_found", reference=reference)
        except Exception:
            logger.exception("chat frame failed")
            await self.send_error("server_error", reference=reference)

    async def on_ping(self, frame):
        reference = frame.get("ref")
        pong = {"type": "pong"}
        if isinstance(reference, (str, int)) and not isinstance(reference, bool):
            pong["ref"] = reference
        await self.send_frame(pong)

    async def on_join(self, frame):
        conversation_id = _integer(frame, "conversation_id", minimum=1)
        after_id = _integer(frame, "after_id", required=False)
        if conversation_id in self.joined:
            await self._leave(conversation_id)
        if len(self.joined) >= MAX_JOINED_CONVERSATIONS:
            raise FrameError("too_many_conversations")
        access = await self._access(conversation_id)
        hidden = await database_sync_to_async(hidden_author_ids)(viewer_id=self.user_id)
        joined = Joined(access=access, hidden_author_ids=hidden, last_sent_id=after_id or 0)
        # Subscribe before reading the backlog, so nothing committed in between is missed;
        # events that arrive meanwhile wait in `pending`.
        self.joined[conversation_id] = joined
        await local_fanout().add(conversation_id, self)
        conversation = access.conversation
        await self.send_frame(
            {
                "type": "joined",
                "conversation_id": conversation_id,
                "kind": conversation.kind,
                "room": _room_settings(conversation),
                "can_moderate": access.can_moderate,
            }
        )
        await database_sync_to_async(services.enter_room)(
            access=access, user=self.user, socket_id=self._presence_id(conversation_id)
        )
        if conversation.kind == conversation.Kind.ROOM:
            present = await database_sync_to_async(selectors.present_members)(
                conversation_id=conversation_id
            )
            await self.send_frame(
                {"type": "presence", "conversation_id": conversation_id, "members": present}
            )
        if after_id is None:
            messages, has_more = await database_sync_to_async(selectors.messages_before)(
                conversation=conversation,
                visible_since=access.visible_since,
                hidden_author_ids=hidden,
            )
            await self._send_messages(joined, messages, mode="latest", has_more=has_more)
        else:
            while True:
                messages = await database_sync_to_async(selectors.messages_after)(
                    conversation=conversation,
                    after_id=joined.last_sent_id,
                    visible_since=access.visible_since,
                    hidden_author_ids=hidden,
                )
                await self._send_messages(joined, messages, mode="resume", has_more=False)
                if len(messages) < selectors.RESUME_LIMIT:
                    break
        pending, joined.pending = joined.pending, None
        for text, message_id in pending:
            if message_id is None or message_id > joined.last_sent_id:
                await self._send_text(joined, text, message_id)

    async def on_leave(self, frame):
        conversation_id = _integer(frame, "conversation_id", minimum=1)
        await self._leave(conversation_id)
        await self.send_frame({"type": "left", "conversation_id": conversation_id})

    async def on_send(self, frame):
        joined = self._joined(frame)
        client_id = frame.get("client_id")
        if not isinstance(client_id, str) or not 0 < len(client_id) <= 64:
            raise FrameError("invalid")
        try:
            message = await database_sync_to_async(_post_if_session_valid)(
                session_key=self.session_key,
                conversation=joined.access.conversation,
                sender=self.user,
                body=frame.get("body"),
                client_id=client_id,
            )
        except SessionEnded:
            await self._close_now(CLOSE_SESSION_ENDED)
            return
        except MessagingDenied as error:
            await self.send_error(error.code, client_id=client_id, retry_after=error.retry_after)
            return
        await self.send_frame(
            {
                "type": "ack",
                "conversation_id": message.conversation_id,
                "client_id": client_id,
                "id": message.pk,
            }
        )

    async def on_edit(self, frame):
        message_id = _integer(frame, "message_id", minimum=1)
        await database_sync_to_async(services.edit_message)(
            message_id=message_id, editor=self.user, body=frame.get("body")
        )

    async def on_delete(self, frame):
        message_id = _integer(frame, "message_id", minimum=1)
        await database_sync_to_async(services.delete_message)(
            message_id=message_id, actor=self.user
        )

    async def on_history(self, frame):
        joined = self._joined(frame)
        before_id = _integer(frame, "before_id", minimum=1)
        access = await self._access(joined.access.conversation.pk)
        messages, has_more = await database_sync_to_async(selectors.messages_before)(
            conversation=access.conversation,
            before_id=before_id,
            visible_since=access.visible_since,
            hidden_author_ids=joined.hidden_author_ids,
        )
        await self.send_frame(
            {
                "type": "messages",
                "conversation_id": access.conversation.pk,
                "mode": "history",
                "messages": [
                    selectors.serialize_message(message, alias=access.alias) for message in messages
                ],
                "has_more": has_more,
            }
        )

    async def on_read(self, frame):
        joined = self._joined(frame)
        message_id = _integer(frame, "message_id", minimum=1)
        await database_sync_to_async(services.mark_conversation_read)(
            conversation_id=joined.access.conversation.pk, user=self.user, message_id=message_id
        )

    HANDLERS = {
        "ping": on_ping,
        "join": on_join,
        "leave": on_leave,
        "send": on_send,
        "edit": on_edit,
        "delete": on_delete,
        "history": on_history,
        "read": on_read,
    }

    # Events from the channel layer (personal group user.<id>) --------------------------------

    async def membership_ended(self, event):
        if any(joined.access.group_id == event["group_id"] for joined in self.joined.values()):
            await self._close_now(CLOSE_ACCESS_ENDED)

    async def conversation_ended(self, event):
        if event["conversation_id"] in self.joined:
            await self._close_now(CLOSE_ACCESS_ENDED)

    async def session_ended(self, event):
        await self._close_now(CLOSE_SESSION_ENDED)

    async def notification_created(self, event):
        await self.send_frame(
            {
                "type": "notification",
                "notification": event["notification"],
                "unread_notifications": event["unread_count"],
            }
        )

    async def blocks_changed(self, event):
        hidden = await database_sync_to_async(hidden_author_ids)(viewer_id=self.user_id)
        for joined in self.joined.values():
            joined.hidden_author_ids = hidden

    # Called by the process's fan-out (messaging/fanout.py) ----------------------------------

    async def deliver(
        self, conversation_id: int, text: str, author_id, message_id, frame: bytes | None = None
    ) -> None:
        joined = self.joined.get(conversation_id)
        if joined is None or self.closing or author_id in joined.hidden_author_ids:
            return
        if joined.pending is not None:
            joined.pending.append((text, message_id))
            return
        if (
            frame is not None
            and self.daphne_protocol is not None
            and (self.daphne_protocol.state == self.daphne_protocol.STATE_OPEN)
        ):
            # The same pre-built frame bytes for every local socket: no per-socket encoding,
            # framing or middleware (docs/decisions/0020-per-process-fan-out.md).
            if message_id is not None:
                joined.last_sent_id = max(joined.last_sent_id, message_id)
            write_frame(self.daphne_protocol.transport, frame)
            return
        await self._send_text(joined, text, message_id)

    async def drop_conversation(self, conversation_id: int) -> None:
        """Access to this conversation ended: the socket hears nothing more and closes."""
        if conversation_id in self.joined:
            await self._close_now(CLOSE_ACCESS_ENDED)

    # Helpers ---------------------------------------------------------------------------------

    def _spend_frame_budget(self) -> bool:
        frames, seconds = FRAME_BUDGET
        now = time.monotonic()
        if now - self.budget_window_start > seconds:
            self.budget_window_start, self.budget_used = now, 0
        self.budget_used += 1
        return self.budget_used <= frames

    async def _access(self, conversation_id: int) -> ConversationAccess:
        return await database_sync_to_async(get_conversation_access_or_404)(
            user=self.user, conversation_id=conversation_id
        )

    def _joined(self, frame: dict) -> Joined:
        joined = self.joined.get(_integer(frame, "conversation_id", minimum=1))
        if joined is None:
            raise FrameError("not_joined")
        return joined

    def _presence_id(self, conversation_id: int) -> str:
        return f"{self.socket_id}:{conversation_id}"

    async def _send_messages(self, joined: Joined, messages, *, mode: str, has_more: bool):
        if not messages and mode == "resume":
            return
        await self.send_frame(
            {
                "type": "messages",
                "conversation_id": joined.access.conversation.pk,
                "mode": mode,
                "messages": [
                    selectors.serialize_message(message, alias=joined.access.alias)
                    for message in messages
                ],
                "has_more": has_more,
            }
        )
        if messages:
            joined.last_sent_id = max(joined.last_sent_id, messages[-1].pk)

    async def _send_text(self, joined: Joined, text: str, message_id) -> None:
        if message_id is not None:
            joined.last_sent_id = max(joined.last_sent_id, message_id)
        await self.base_send({"type": "websocket.send", "text": text})

    async def _leave(self, conversation_id: int) -> None:
        if self.joined.pop(conversation_id, None) is None:
            return
        await local_fanout().discard(conversation_id, self)
        await database_sync_to_async(services.leave_room)(
            conversation_id=conversation_id, socket_id=self._presence_id(conversation_id)
        )

    async def _leave_all(self) -> None:
        for conversation_id in list(self.joined):
            await self._leave(conversation_id)

    async def _close_now(self, code: int) -> None:
        if self.closing:
            return
        self.closing = True
        fanout = local_fanout()
        for conversation_id in list(self.joined):
            await fanout.discard(conversation_id, self)
        await self.close(code=code)

    async def send_frame(self, frame: dict) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def send_error(self, code: str, **extra) -> None:
        frame = {"type": "error", "code": code, "message": str(ERROR_MESSAGES.get(code, ""))}
        frame.update({key: value for key, value in extra.items() if value is not None})
        await self.send_frame(frame)


class SessionEnded(Exception):
    pass


def _post_if_session_valid(*, session_key, conversation, sender, body, client_id):
    """The hot path: the session check and the post in one trip to the database thread."""
    if not session_is_valid(session_key=session_key, user_id=sender.pk):
        raise SessionEnded
    return services.post_message(
        conversation=conversation, sender=sender, body=body, client_id=client_id
    )


# Handlers that need no session check first: ping touches nothing, send checks it itself.
SELF_CHECKING_HANDLERS = {ChatConsumer.on_ping, ChatConsumer.on_send}


def _daphne_protocol(send):
    """The autobahn protocol daphne serves this socket with, found through the ASGI `send`
    callable (channels' session wrapper → daphne's partial(handle_reply, protocol)); None under
    any other server or in tests, where the ordinary ASGI send is used."""
    inner = getattr(getattr(send, "__self__", None), "real_send", send)
    if isinstance(inner, functools.partial) and inner.args:
        protocol = inner.args[0]
        if hasattr(protocol, "transport") and hasattr(protocol, "STATE_OPEN"):
            return protocol
    return None


def _room_settings(conversation) -> dict:
    return {
        "locked": conversation.locked,
        "slow_mode_seconds": conversation.slow_mode_seconds,
        "links_restricted": conversation.links_restricted,
    }
