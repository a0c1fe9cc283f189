"""The call frames of the chat socket (docs/protocol.md, "Calls"): a mixin of
messaging.consumers.ChatConsumer, so calls ride the page's one WebSocket.

A socket is in at most one call (its `seat`). Every frame fetches the call again through the
conversation's own access check (`get_call_access_or_404`), so losing the room or the thread
ends what the member may do in its call at once. Offers, answers and candidates go only from
an admitted participant to another admitted participant of the same call, straight to the one
socket the target is in the call with (`channel_layer.send`), after messaging.call_signals has
removed every network address but the relay's."""

import asyncio
import logging

from django.conf import settings
from django.http import Http404

from messaging.call_signals import ForbiddenCandidate, clean_candidate, clean_sdp
from messaging.db import database, run_in_database
from messaging.errors import MessagingDenied, denied
from messaging.frames import encode_frame
from messaging.models import CallParticipant
from messaging.permissions import check_in_call, get_call_access_or_404
from messaging.selectors.calls import call_state
from messaging.selectors.sessions import SessionProof, require_session
from messaging.services import calls
from messaging.services.realtime import call_channel_group
from messaging.turn import ice_servers_for

MAX_PEER_ID_CHARS = 32

logger = logging.getLogger(__name__)


def _peer_id(frame: dict) -> str:
    value = frame.get("peer_id", frame.get("to"))
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_PEER_ID_CHARS:
        raise denied("invalid")
    return value


def _call_view(*, user, call_id: str, channel_name: str) -> tuple[str, object]:
    """("state", the `call.state` frame) for this socket, or ("over", why it is not in the
    call any more)."""
    try:
        call_access = get_call_access_or_404(user=user, call_id=call_id)
    except (Http404, MessagingDenied):
        return "over", "not_found"
    participant = call_access.participant
    if participant is None:
        return "over", "not_found"
    if participant.state == CallParticipant.State.REMOVED:
        return "over", "removed"
    if participant.state == CallParticipant.State.TURNED_AWAY:
        return "over", "turned_away"
    if participant.channel_name != channel_name:
        return "over", "joined_elsewhere"
    frame = call_state(call=call_access.call, participant=participant, is_host=call_access.is_host)
    if participant.state == CallParticipant.State.ADMITTED:
        # Credentials for the relay go to admitted participants only, each their own.
        frame["ice_servers"] = ice_servers_for(peer_id=participant.peer_id)
    return "state", frame


def _relay_target(
    *, user, session_key, call_id: str, channel_name: str, to: str, sending: set
) -> tuple[str, SessionProof]:
    """The socket `to` is in the call with, when both are admitted participants of it and
    the sender may send what their description offers; and the proof that the session still
    holds. The relay's whole check in one trip to the database thread (the session, the call,
    the conversation's access, both participants): a full mesh relays hundreds of frames."""
    proof = require_session(session_key=session_key, user_id=user.pk)
    call_access = get_call_access_or_404(user=user, call_id=call_id, peer_id=to)
    sender = check_in_call(call_access=call_access, channel_name=channel_name)
    if "audio" in sending and not sender.may_use_mic:
        raise denied("mic_off_by_host")
    if "video" in sending and not (sender.may_use_video or sender.may_share_screen):
        raise denied("video_stopped")
    target = call_access.peer
    if (
        target is None
        or target.pk == sender.pk
        or target.state != CallParticipant.State.ADMITTED
        or not target.channel_name
    ):
        raise denied("not_found")
    return target.channel_name, proof


def _as_host(*, user, call_id, channel_name, action, **arguments):
    call_access = get_call_access_or_404(user=user, call_id=call_id)
    check_in_call(call_access=call_access, channel_name=channel_name)
    return action(call_access=call_access, actor=user, **arguments)


async def _end_if_host_gone(call_pk: int) -> None:
    try:
        await run_in_database(calls.end_if_host_gone, call_pk=call_pk)
    except Exception:
        logger.exception("ending a call whose host left failed")


# Relayed to one peer each, and counted against their own per-socket budget
# (KINDRED_CALL_SIGNAL_BUDGET) rather than the frame budget every other frame spends.
SIGNALLING_FRAMES = frozenset({"call.offer", "call.answer", "call.candidate"})


class CallFrames:
    seat: calls.Seat | None = None

    # Joining and leaving ----------------------------------------------------------------------

    async def on_call_start(self, frame):
        conversation_id = frame.get("conversation_id")
        if type(conversation_id) is not int or conversation_id < 1:
            raise denied("invalid")
        access = await self._fetch_access(conversation_id)
        await self._leave_call()
        seat = await run_in_database(
            calls.start_call,
            access=access,
            user=self.user,
            media=frame.get("media"),
            channel_name=self.channel_name,
        )
        await self._take_seat(seat)

    async def on_call_join(self, frame):
        call_id = frame.get("call_id")
        call_access = await database(get_call_access_or_404)(user=self.user, call_id=call_id)
        if self.seat is not None and self.seat.call_pk != call_access.call.pk:
            await self._leave_call()
        seat = await run_in_database(
            calls.join_call, call_access=call_access, user=self.user, channel_name=self.channel_name
        )
        await self._take_seat(seat)

    async def on_call_leave(self, frame):
        seat = self._seat_for(frame)
        await self._leave_call()
        await self.send_frame({"type": "call.left", "call_id": seat.call_id})

    async def _take_seat(self, seat: calls.Seat) -> None:
        self.seat = seat
        await self.channel_layer.group_add(call_channel_group(seat.call_pk), self.channel_name)
        if seat.replaced_channel:
            await self.channel_layer.send(
                seat.replaced_channel, {"type": "call.replaced", "call_pk": seat.call_pk}
            )
        await self._send_call_state()

    async def _leave_call(self, *, dropped: bool = False) -> None:
        seat, self.seat = self.seat, None
        if seat is None:
            return
        await self.channel_layer.group_discard(call_channel_group(seat.call_pk), self.channel_name)
        waits = await run_in_database(
            calls.leave_call,
            call_pk=seat.call_pk,
            user=self.user,
            channel_name=self.channel_name,
            dropped=dropped,
        )
        if waits:
            # The host's connection dropped: the call ends unless they are back in time.
            loop = asyncio.get_running_loop()
            # (A moment past it: the check measures the grace from the database's record.)
            loop.call_later(
                settings.KINDRED_CALL_HOST_GRACE + 0.25,
                lambda: loop.create_task(_end_if_host_gone(seat.call_pk)),
            )

    async def _call_over(self, reason: str) -> None:
        seat, self.seat = self.seat, None
        if seat is None:
            return
        await self.channel_layer.group_discard(call_channel_group(seat.call_pk), self.channel_name)
        await self.send_frame({"type": "call.ended", "call_id": seat.call_id, "reason": reason})

    async def _send_call_state(self) -> None:
        seat = self.seat
        outcome, value = await database(_call_view)(
            user=self.user, call_id=seat.call_id, channel_name=self.channel_name
        )
        if self.seat is not seat:
            return
        if outcome == "over":
            await self._call_over(value)
        else:
            await self.send_frame(value)

    def _seat_for(self, frame: dict) -> calls.Seat:
        if self.seat is None or frame.get("call_id") != self.seat.call_id:
            raise denied("not_in_call")
        return self.seat

    # Signalling --------------------------------------------------------------------------------

    async def on_call_offer(self, frame):
        await self._relay(frame, "call.offer")

    async def on_call_answer(self, frame):
        await self._relay(frame, "call.answer")

    async def on_call_candidate(self, frame):
        await self._relay(frame, "call.candidate")

    async def _relay(self, frame: dict, kind: str) -> None:
        seat = self._seat_for(frame)
        to = _peer_id(frame)
        if kind == "call.candidate":
            try:
                payload = {"candidate": clean_candidate(frame.get("candidate"))}
            except ForbiddenCandidate:
                raise denied("forbidden_candidate") from None
            sending = set()
        else:
            sdp, sending = clean_sdp(frame.get("sdp"))
            payload = {"sdp": sdp}
        target_channel, self.session_proof = await database(_relay_target)(
            user=self.user,
            session_key=self.session_key,
            call_id=seat.call_id,
            channel_name=self.channel_name,
            to=to,
            sending=sending,
        )
        text = encode_frame(
            {"type": kind, "call_id": seat.call_id, "from": seat.peer_id, **payload}
        )
        await self.channel_layer.send(
            target_channel,
            {"type": "call.relay", "call_pk": seat.call_pk, "to_peer": to, "text": text},
        )

    # Host controls -----------------------------------------------------------------------------

    async def _host(self, frame: dict, action, **arguments) -> None:
        seat = self._seat_for(frame)
        await run_in_database(
            _as_host,
            user=self.user,
            call_id=seat.call_id,
            channel_name=self.channel_name,
            action=action,
            **arguments,
        )

    async def on_call_admit(self, frame):
        await self._host(frame, calls.admit, peer_id=_peer_id(frame), admitted=True)

    async def on_call_turn_away(self, frame):
        await self._host(frame, calls.admit, peer_id=_peer_id(frame), admitted=False)

    async def on_call_lock(self, frame):
        locked = frame.get("locked")
        if not isinstance(locked, bool):
            raise denied("invalid")
        await self._host(frame, calls.set_call_locked, locked=locked)

    async def _permission(self, frame, field: str, allowed: bool) -> None:
        await self._host(
            frame,
            calls.set_participant_permission,
            peer_id=_peer_id(frame),
            field=field,
            allowed=allowed,
        )

    async def on_call_mute(self, frame):
        await self._permission(frame, "may_use_mic", False)

    async def on_call_ask_unmute(self, frame):
        await self._permission(frame, "may_use_mic", True)

    async def on_call_stop_video(self, frame):
        await self._permission(frame, "may_use_video", False)

    async def on_call_allow_video(self, frame):
        await self._permission(frame, "may_use_video", True)

    async def on_call_allow_screen(self, frame):
        allowed = frame.get("allowed")
        if not isinstance(allowed, bool):
            raise denied("invalid")
        await self._permission(frame, "may_share_screen", allowed)

    async def on_call_remove(self, frame):
        await self._host(frame, calls.remove_participant, peer_id=_peer_id(frame))

    async def on_call_end(self, frame):
        await self._host(frame, calls.end_call)

    async def on_call_hand_host(self, frame):
        await self._host(frame, calls.hand_host, peer_id=_peer_id(frame))

    CALL_HANDLERS = {
        "call.start": on_call_start,
        "call.join": on_call_join,
        "call.leave": on_call_leave,
        "call.offer": on_call_offer,
        "call.answer": on_call_answer,
        "call.candidate": on_call_candidate,
        "call.admit": on_call_admit,
        "call.turn_away": on_call_turn_away,
        "call.lock": on_call_lock,
        "call.mute": on_call_mute,
        "call.ask_unmute": on_call_ask_unmute,
        "call.stop_video": on_call_stop_video,
        "call.allow_video": on_call_allow_video,
        "call.allow_screen": on_call_allow_screen,
        "call.remove": on_call_remove,
        "call.end": on_call_end,
        "call.hand_host": on_call_hand_host,
    }

    # Events from the channel layer -------------------------------------------------------------

    async def call_changed(self, event):
        seat = self.seat
        if seat is None or event["call_pk"] != seat.call_pk:
            return
        if "ended" in event:
            await self._call_over(event["ended"])
            return
        await self._send_call_state()
        notice = event.get("notice")
        if self.seat is seat and notice is not None and notice["peer_id"] == seat.peer_id:
            await self.send_frame(
                {"type": "call.notice", "call_id": seat.call_id, "kind": notice["kind"]}
            )

    async def call_relay(self, event):
        seat = self.seat
        if (
            seat is not None
            and seat.call_pk == event["call_pk"]
            and seat.peer_id == event["to_peer"]
        ):
            await self.send_text(event["text"])

    async def call_replaced(self, event):
        """The member joined the same call from another socket: this one is out of it."""
        if self.seat is not None and self.seat.call_pk == event["call_pk"]:
            await self._call_over("joined_elsewhere")
