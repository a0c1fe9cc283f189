"""Telling open sockets about changes: the one way any app reaches them.

Call these from `transaction.on_commit`, so nobody is told about a row that may roll back.

Two kinds of channel-layer groups carry events (docs/decisions/0020-per-process-fan-out.md):

- `conversation.<id>`: one subscription per process (messaging/fanout.py), carrying
  *envelopes*. A stream envelope has the conversation's stream position `seq` (new and changed
  messages); the fan-out hands those to local sockets strictly in `seq` order. Other envelopes
  (room settings, presence, access ending) have none and go out as they arrive.
- `user.<id>` and `session.<digest>`: every socket of that member, or of that one session,
  for personal events (notifications, sessions and access ending, access changes).

Inside a consumer's database call (messaging/consumers.py) publishing is deferred: what the
call's transactions announced is collected and sent from the event loop once the call returns,
in order, instead of hopping back to the loop from the database thread for each event.
"""

import asyncio
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from messaging.frames import FANOUT_EVENT, encode_frame
from messaging.models import Call, Conversation

_collecting = threading.local()


def conversation_group(conversation_id: int) -> str:
    return Conversation(pk=conversation_id).channel_group_name


def user_channel_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_channel_group(session_key: str) -> str:
    """Named by a digest: a channel-layer group name is never the session key itself."""
    digest = hashlib.sha256(f"kindred-session:{session_key}".encode()).hexdigest()[:40]
    return f"session.{digest}"


@contextmanager
def collected_publishing():
    """Within this block (one thread), publishing appends to the yielded list instead of
    sending; the caller sends the list from the event loop (see `publish_collected`)."""
    outbox: list[tuple[str, dict]] = []
    previous = getattr(_collecting, "outbox", None)
    _collecting.outbox = outbox
    try:
        yield outbox
    finally:
        _collecting.outbox = previous


async def publish_collected(outbox: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    for group, message in outbox:
        await layer.group_send(group, message)


def _publish(group: str, message: dict) -> None:
    outbox = getattr(_collecting, "outbox", None)
    if outbox is not None:
        outbox.append((group, message))
        return
    send = async_to_sync(get_channel_layer().group_send)
    if _event_loop_runs_here():
        # Synchronous code called from a thread that runs an event loop (a script or a test
        # driving a browser through Playwright's synchronous API): async_to_sync refuses to
        # run there, so the send runs, and is waited for, on a helper thread.
        with ThreadPoolExecutor(max_workers=1) as helper:
            helper.submit(send, group, message).result()
        return
    send(group, message)


def _event_loop_runs_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def send_to_user(*, user_id: int, event: dict) -> None:
    _publish(user_channel_group(user_id), event)


def send_to_session(*, session_key: str, event: dict) -> None:
    _publish(session_channel_group(session_key), event)


def publish_stream_event(envelope: dict) -> None:
    _publish(conversation_group(envelope["conversation_id"]), envelope)


def broadcast_room_settings(*, conversation_id: int, room: dict, message: str = "") -> None:
    """A room's host controls changed (locked, slow mode, links): every socket joined to it,
    in every process, enforces the new settings from its next frame and its client receives
    `room.updated` (docs/protocol.md)."""
    frame = {"type": "room.updated", "conversation_id": conversation_id, "room": room}
    if message:
        frame["message"] = message
    _publish(
        conversation_group(conversation_id),
        {
            "type": FANOUT_EVENT,
            "conversation_id": conversation_id,
            "room": room,
            "text": encode_frame(frame),
        },
    )


def publish_presence_change(
    *, conversation_id: int, user_id: int, present: bool, version: int, member: dict | None
) -> None:
    _publish(
        conversation_group(conversation_id),
        {
            "type": FANOUT_EVENT,
            "conversation_id": conversation_id,
            "presence": {
                "user_id": user_id,
                "present": present,
                "version": version,
                "member": member,
            },
        },
    )


def end_group_membership_sockets(*, group_id: int, user_id: int) -> None:
    """The member left, was removed or banned: their sockets in that group's room close now."""
    room_id = Conversation.objects.filter(group_id=group_id).values_list("pk", flat=True).first()
    if room_id is not None:
        # Through the room's own stream first: every message announced after this point is
        # queued behind it, so the removed member's sockets receive nothing more.
        _publish(
            conversation_group(room_id),
            {"type": FANOUT_EVENT, "conversation_id": room_id, "drop_user_id": user_id},
        )
    send_to_user(user_id=user_id, event={"type": "membership.ended", "group_id": group_id})


def end_conversation_sockets(*, conversation_id: int, user_id: int) -> None:
    """The member no longer takes part in a direct or support conversation (e.g. handover)."""
    _publish(
        conversation_group(conversation_id),
        {"type": FANOUT_EVENT, "conversation_id": conversation_id, "drop_user_id": user_id},
    )
    send_to_user(
        user_id=user_id,
        event={"type": "conversation.ended", "conversation_id": conversation_id},
    )


def end_user_sockets(*, user_id: int) -> None:
    """The account is gone (deleted): every socket of theirs closes (code 4001)."""
    send_to_user(user_id=user_id, event={"type": "session.ended"})


def end_session_sockets(*, session_key: str) -> None:
    """One session ended (signed out, ended from the sessions page, flushed): the sockets
    opened with it close (code 4001); the member's other sessions keep theirs."""
    send_to_session(session_key=session_key, event={"type": "session.ended"})


def recheck_user_sessions(*, user_id: int) -> None:
    """Something the session check reads changed on the account (its password, whether it is
    active: a password change or reset, a suspension, a deactivation): every socket of theirs
    checks its session again at once, and those whose session no longer holds close (4001)."""
    send_to_user(user_id=user_id, event={"type": "session.recheck"})


def refresh_user_access(*, user_id: int) -> None:
    """Something that decides what this member may do in conversations changed (a mute, a
    role, two-factor authentication, their profile): their sockets check access again."""
    send_to_user(user_id=user_id, event={"type": "access.changed"})


def call_channel_group(call_pk: int) -> str:
    return Call(pk=call_pk).channel_group_name


def publish_call_change(*, call_pk: int, event: dict) -> None:
    """A call changed: each socket in it reads its own `call.state` again (and acts on an
    `ended` or a `notice` for it)."""
    _publish(call_channel_group(call_pk), event)


def broadcast_conversation_text(*, conversation_id: int, text: str) -> None:
    """A frame without a stream position for every socket joined to the conversation (a call
    started in it)."""
    _publish(
        conversation_group(conversation_id),
        {"type": FANOUT_EVENT, "conversation_id": conversation_id, "text": text},
    )
