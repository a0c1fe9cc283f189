"""Calls over the chat socket (docs/protocol.md, "Calls"): who may start and join, the
waiting room, the mesh limits, the signalling relay and its address rule (DESIGN.md invariant
11), and the host's controls with their audit rows."""

import asyncio
import base64
import hashlib
import hmac
import json
import time

import pytest
from channels.db import database_sync_to_async as db
from django.contrib.sessions.models import Session
from django.utils import timezone

from community.avatars import avatar_pattern
from community.models import Membership
from community.services.groups import end_membership
from messaging.db import database
from messaging.models import Call, CallParticipant
from messaging.services.conversations import get_or_create_group_room
from moderation.models import AuditLogEntry
from tests.factories import make_support_thread
from tests.messaging.call_helpers import (
    HOST_CANDIDATE,
    RELAY_CANDIDATE,
    SRFLX_CANDIDATE,
    TURN_SECRET,
    TURN_URLS,
    admitted,
    circle,
    join_call,
    make_member_async,
    offer_sdp,
    start,
    state_where,
)
from tests.messaging.conftest import (
    add_member,
    drain,
    join,
    make_group,
    open_socket,
    receive,
    receive_until,
    send,
)
from tests.messaging.database_trips import DatabaseTrips

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _relay(settings):
    settings.TURN_URLS = TURN_URLS
    settings.TURN_SECRET = TURN_SECRET


async def _circle(*members):
    return await db(circle)(members=list(members))


async def _still_up(socket) -> None:
    await send(socket, {"type": "ping", "ref": "alive"})
    assert (await receive_until(socket, "pong"))["ref"] == "alive"


async def _three_in_a_call(member, other_member):
    host, room = await _circle(member, other_member)
    sockets = [await open_socket(user) for user in (host, member, other_member)]
    state = await start(sockets[0], room)
    call_id = state["call_id"]
    peers = [state["you"]["peer_id"]]
    for socket in sockets[1:]:
        peers.append((await admitted(sockets[0], socket, call_id))["you"]["peer_id"])
    return host, room, sockets, call_id, peers


async def _close(*sockets):
    for socket in sockets:
        await socket.disconnect()


async def test_a_moderator_starts_a_circle_call_and_admits_a_member_from_the_waiting_room(
    member,
):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    state = await start(host_socket, room)
    call = await db(Call.objects.get)(public_id=state["call_id"])
    assert call.kind == "circle" and call.waiting_room and state["you"]["host"] is True
    assert len(state["call_id"]) >= 24  # unguessable
    waiting = await join_call(member_socket, state["call_id"])
    # A waiting member sees nobody and gets no relay credentials.
    assert waiting["you"]["state"] == "waiting" and waiting["participants"] == []
    assert "ice_servers" not in waiting
    host_view = await state_where(host_socket, lambda state: state["waiting"])
    pseudonym = await db(lambda: member.profile.pseudonym)()
    assert host_view["waiting"] == [{"peer_id": waiting["you"]["peer_id"], "name": pseudonym}]
    await send(
        host_socket,
        {"type": "call.admit", "call_id": state["call_id"], "peer_id": waiting["you"]["peer_id"]},
    )
    inside = await state_where(member_socket, lambda state: state["you"]["state"] == "admitted")
    assert [person["name"] for person in inside["participants"]][1] == pseudonym
    assert member.email not in json.dumps(inside) and host.email not in json.dumps(inside)
    assert await db(AuditLogEntry.objects.filter(action="call_admit", target_id=call.pk).count)()
    await _close(host_socket, member_socket)


async def test_turn_credentials_follow_coturns_rest_scheme_and_expire(member):
    host, room = await _circle()
    socket = await open_socket(host)
    state = await start(socket, room)
    [server] = state["ice_servers"]
    assert server["urls"] == TURN_URLS
    expiry, name = server["username"].split(":")
    assert name == state["you"]["peer_id"]  # never the account
    assert time.time() < int(expiry) <= time.time() + 4 * 3600 + 5
    expected = base64.b64encode(
        hmac.new(TURN_SECRET.encode(), server["username"].encode(), hashlib.sha1).digest()
    ).decode()
    assert server["credential"] == expected
    await _close(socket)


async def test_an_ordinary_member_cannot_start_a_circle_call(member):
    _host, room = await _circle(member)
    socket = await open_socket(member)
    await send(socket, {"type": "call.start", "conversation_id": room.pk, "media": "voice"})
    assert (await receive_until(socket, "error"))["code"] == "call_not_allowed"
    await _close(socket)


async def test_a_moderator_without_two_factor_cannot_start_a_call(member):
    plain = await make_member_async()
    group = await db(make_group)(name="NoMfa", members=[member], moderators=[plain])
    room = await db(get_or_create_group_room)(group=group)
    socket = await open_socket(plain)
    await send(socket, {"type": "call.start", "conversation_id": room.pk, "media": "voice"})
    assert (await receive_until(socket, "error"))["code"] == "call_not_allowed"
    await _close(socket)


async def test_calls_are_off_without_a_relay(member, settings):
    settings.TURN_URLS = []
    host, room = await _circle()
    socket = await open_socket(host)
    await send(socket, {"type": "call.start", "conversation_id": room.pk, "media": "voice"})
    assert (await receive_until(socket, "error"))["code"] == "calls_off"
    await _close(socket)


async def test_outsiders_and_wrong_call_ids_learn_only_not_found(member):
    host, room = await _circle(member)
    host_socket = await open_socket(host)
    call_id = (await start(host_socket, room))["call_id"]
    stranger = await open_socket(await make_member_async())
    for wrong in (call_id, call_id[:-1] + ("A" if call_id[-1] != "A" else "B"), "x", 7, None):
        await send(stranger, {"type": "call.join", "call_id": wrong})
        assert (await receive_until(stranger, "error"))["code"] == "not_found"
    # Nor can an outsider signal into the call.
    await send(
        stranger,
        {"type": "call.offer", "call_id": call_id, "to": "whoever", "sdp": offer_sdp()},
    )
    assert (await receive_until(stranger, "error"))["code"] == "not_in_call"
    await _still_up(stranger)
    await _close(host_socket, stranger)


async def test_offers_reach_only_the_named_admitted_participant_without_any_address(
    member, other_member
):
    _host, _room, sockets, call_id, peers = await _three_in_a_call(member, other_member)
    host_socket, first, second = sockets
    # What the sender adds beyond the protocol's fields (its own ref, anything) stays with it.
    await send(
        host_socket,
        {
            "type": "call.offer",
            "call_id": call_id,
            "to": peers[1],
            "sdp": offer_sdp(),
            "ref": peers[1],
            "note": "192.168.1.23",
        },
    )
    offer = await receive_until(first, "call.offer")
    assert set(offer) == {"type", "call_id", "from", "sdp"}
    assert offer["from"] == peers[0]
    sdp = offer["sdp"]
    assert "typ host" not in sdp and "typ srflx" not in sdp
    assert "192.168.1.23" not in sdp and "203.0.113.7" not in sdp
    assert "typ relay raddr 0.0.0.0 rport 0" in sdp
    # The third participant was not sent it: the next frame they get is one meant for them.
    await send(
        first, {"type": "call.answer", "call_id": call_id, "to": peers[2], "sdp": offer_sdp()}
    )
    assert (await receive(second))["type"] == "call.answer"
    await _close(*sockets)


async def test_a_peer_of_another_call_is_not_found_and_hears_nothing(member, other_member):
    host, room = await _circle(member)
    other_host, other_room = await _circle(other_member)
    sockets = [await open_socket(user) for user in (host, member, other_host, other_member)]
    host_socket, member_socket, other_host_socket, other_member_socket = sockets
    call_id = (await start(host_socket, room))["call_id"]
    await admitted(host_socket, member_socket, call_id)
    other_call_id = (await start(other_host_socket, other_room))["call_id"]
    elsewhere = await admitted(other_host_socket, other_member_socket, other_call_id)
    for socket in sockets:
        await drain(socket)
    # A peer id of the other call, named in this one: nobody by that id here.
    await send(
        member_socket,
        {
            "type": "call.offer",
            "call_id": call_id,
            "to": elsewhere["you"]["peer_id"],
            "sdp": offer_sdp(),
        },
    )
    assert (await receive_until(member_socket, "error"))["code"] == "not_found"
    assert all(frame["type"] != "call.offer" for frame in await drain(other_member_socket))
    await _close(*sockets)


async def test_host_and_server_reflexive_candidates_are_refused_and_the_socket_stays_up(
    member, other_member
):
    _host, _room, sockets, call_id, peers = await _three_in_a_call(member, other_member)
    host_socket, first, _second = sockets
    for forbidden in (HOST_CANDIDATE, SRFLX_CANDIDATE, "a=" + HOST_CANDIDATE):
        await send(
            host_socket,
            {
                "type": "call.candidate",
                "call_id": call_id,
                "to": peers[1],
                "candidate": {"candidate": forbidden, "sdpMid": "0", "sdpMLineIndex": 0},
                "ref": "c",
            },
        )
        error = await receive_until(host_socket, "error")
        assert error["code"] == "forbidden_candidate" and error["ref"] == "c"
    await send(
        host_socket,
        {
            "type": "call.candidate",
            "call_id": call_id,
            "to": peers[1],
            "candidate": {"candidate": RELAY_CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0},
        },
    )
    # The first candidate the other side ever receives is the relay one, its address scrubbed.
    candidate = await receive_until(first, "call.candidate")
    assert candidate["candidate"]["candidate"] == (
        "candidate:3 1 udp 41885439 127.0.0.1 50000 typ relay raddr 0.0.0.0 rport 0 "
        "generation 0 ufrag abcd network-id 1"
    )
    await _still_up(host_socket)
    await _close(*sockets)


def _expire_sessions_of(user) -> None:
    """The member's sessions run out (time, as far as the sockets can tell: no event)."""
    past = timezone.now() - timezone.timedelta(seconds=1)
    for session in Session.objects.all():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            Session.objects.filter(pk=session.pk).update(expire_date=past)


async def test_a_relay_after_the_session_ended_closes_the_socket_and_reaches_nobody(
    member, other_member
):
    _host, _room, sockets, call_id, peers = await _three_in_a_call(member, other_member)
    host_socket, first, _second = sockets
    for socket in sockets:
        await drain(socket)
    await db(_expire_sessions_of)(member)
    await send(
        first, {"type": "call.offer", "call_id": call_id, "to": peers[0], "sdp": offer_sdp()}
    )
    output = await first.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": 4001}
    # The host hears that the member left the call, and never their offer.
    frames = await drain(host_socket)
    assert all(frame["type"] != "call.offer" for frame in frames)
    await _close(*sockets)


@pytest.mark.parametrize("size", [2, 6])
async def test_a_relayed_frame_costs_the_same_few_queries_whatever_the_calls_size(size):
    members = [await make_member_async() for _ in range(size - 1)]
    host, room = await _circle(*members)
    sockets = [await open_socket(user) for user in (host, *members)]
    state = await start(sockets[0], room)
    call_id = state["call_id"]
    host_peer = state["you"]["peer_id"]
    for socket in sockets[1:]:
        await admitted(sockets[0], socket, call_id)
    for socket in sockets:
        await drain(socket)
    # Counted on the consumers' database thread, started and stopped the way they call it.
    trips = await database(DatabaseTrips().start)()
    await send(
        sockets[1],
        {
            "type": "call.candidate",
            "call_id": call_id,
            "to": host_peer,
            "candidate": {"candidate": RELAY_CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0},
        },
    )
    await receive_until(sockets[0], "call.candidate")
    count = await database(trips.stop)()
    # The session; the call; the conversation and the sender's membership and mute (the
    # room's own access check); both participants' rows, in one query.
    assert count == 6, trips.statements
    await _close(*sockets)


async def test_malformed_and_oversized_call_frames_get_errors_and_the_socket_stays_up(member):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    call_id = (await start(host_socket, room))["call_id"]
    peer = (await admitted(host_socket, member_socket, call_id))["you"]["peer_id"]
    bad_frames = [
        ({"type": "call.offer", "call_id": call_id, "to": peer, "sdp": "hello"}, "invalid"),
        ({"type": "call.offer", "call_id": call_id, "to": peer, "sdp": 5}, "invalid"),
        ({"type": "call.offer", "call_id": call_id, "to": 5, "sdp": offer_sdp()}, "invalid"),
        (
            {
                "type": "call.offer",
                "call_id": call_id,
                "to": peer,
                "sdp": offer_sdp(extra="a=x:" + "y" * 12_000),
            },
            "invalid",
        ),
        (
            {"type": "call.candidate", "call_id": call_id, "to": peer, "candidate": "x"},
            "invalid",
        ),
        (
            {
                "type": "call.candidate",
                "call_id": call_id,
                "to": peer,
                "candidate": {"candidate": "candidate:1 1 udp 1 <script> 1 typ relay"},
            },
            "invalid",
        ),
        ({"type": "call.offer", "call_id": "other", "to": peer, "sdp": offer_sdp()}, "not_in_call"),
        ({"type": "call.start", "conversation_id": room.pk, "media": "film"}, "invalid"),
        ({"type": "call.lock", "call_id": call_id, "locked": "yes"}, "invalid"),
    ]
    for frame, code in bad_frames:
        await send(host_socket, frame)
        assert (await receive_until(host_socket, "error"))["code"] == code, frame
    await host_socket.send_to(text_data=json.dumps({"type": "call.offer", "sdp": "x" * 17_000}))
    assert (await receive_until(host_socket, "error"))["code"] == "frame_too_large"
    await _still_up(host_socket)
    await _close(host_socket, member_socket)


async def test_signalling_spends_its_own_budget_so_a_full_mesh_can_negotiate(
    member, other_member, settings
):
    settings.KINDRED_CALL_SIGNAL_BUDGET = (90, 10)
    _host, _room, sockets, call_id, peers = await _three_in_a_call(member, other_member)
    host_socket, first, _second = sockets
    # More candidates than the frame budget of every other frame allows, all relayed.
    beyond = settings.KINDRED_SOCKET_FRAME_BUDGET[0] + 10
    candidate = {"candidate": RELAY_CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0}
    for _number in range(beyond):
        await send(
            host_socket,
            {"type": "call.candidate", "call_id": call_id, "to": peers[1], "candidate": candidate},
        )
    received = [await receive_until(first, "call.candidate") for _number in range(beyond)]
    assert all(each["from"] == peers[0] for each in received)
    # Other frames still have their whole budget, and signalling its own limit.
    await _still_up(host_socket)
    for _number in range(90 - beyond + 1):
        await send(
            host_socket,
            {"type": "call.candidate", "call_id": call_id, "to": peers[1], "candidate": candidate},
        )
    assert (await receive_until(host_socket, "error"))["code"] == "rate_limited"
    await _still_up(host_socket)
    await _close(*sockets)


async def test_a_waiting_member_can_neither_signal_nor_be_signalled(member):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    state = await start(host_socket, room)
    waiting = await join_call(member_socket, state["call_id"])
    await send(
        member_socket,
        {
            "type": "call.offer",
            "call_id": state["call_id"],
            "to": state["you"]["peer_id"],
            "sdp": offer_sdp(),
        },
    )
    assert (await receive_until(member_socket, "error"))["code"] == "not_in_call"
    await send(
        host_socket,
        {
            "type": "call.offer",
            "call_id": state["call_id"],
            "to": waiting["you"]["peer_id"],
            "sdp": offer_sdp(),
        },
    )
    assert (await receive_until(host_socket, "error"))["code"] == "not_found"
    await _close(host_socket, member_socket)


async def test_the_mesh_limit_refuses_one_more_with_a_clear_message(member, other_member, settings):
    settings.KINDRED_CALL_VOICE_LIMIT = 2
    host, room = await _circle(member, other_member)
    sockets = [await open_socket(user) for user in (host, member, other_member)]
    call_id = (await start(sockets[0], room, media="voice"))["call_id"]
    await admitted(sockets[0], sockets[1], call_id)
    waiting = await join_call(sockets[2], call_id)
    await send(
        sockets[0], {"type": "call.admit", "call_id": call_id, "peer_id": waiting["you"]["peer_id"]}
    )
    error = await receive_until(sockets[0], "error")
    # The message names the limit this call has, not a constant.
    assert error["code"] == "call_full" and "at most 2 people" in error["message"]
    await _close(*sockets)


async def test_a_locked_call_takes_nobody_new(member):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    call_id = (await start(host_socket, room))["call_id"]
    await send(host_socket, {"type": "call.lock", "call_id": call_id, "locked": True})
    await state_where(host_socket, lambda state: state["locked"])
    await send(member_socket, {"type": "call.join", "call_id": call_id})
    assert (await receive_until(member_socket, "error"))["code"] == "call_locked"
    await _close(host_socket, member_socket)


async def test_a_removed_participant_is_out_for_everyone_and_cannot_rejoin(member, other_member):
    _host, _room, sockets, call_id, peers = await _three_in_a_call(member, other_member)
    host_socket, removed, stays = sockets
    await send(host_socket, {"type": "call.remove", "call_id": call_id, "peer_id": peers[1]})
    ended = await receive_until(removed, "call.ended")
    assert ended["reason"] == "removed"
    # Everyone else's list drops them (their client closes its connection to them).
    await state_where(
        stays, lambda state: peers[1] not in [person["peer_id"] for person in state["participants"]]
    )
    # Nothing more is relayed to or from them.
    await send(
        stays, {"type": "call.offer", "call_id": call_id, "to": peers[1], "sdp": offer_sdp()}
    )
    assert (await receive_until(stays, "error"))["code"] == "not_found"
    await send(removed, {"type": "call.join", "call_id": call_id})
    assert (await receive_until(removed, "error"))["code"] == "call_removed"
    call = await db(Call.objects.get)(public_id=call_id)
    rows = await db(list)(AuditLogEntry.objects.filter(action="call_remove", target_id=call.pk))
    assert len(rows) == 1 and rows[0].target_user_id == member.pk
    await _close(*sockets)


async def test_a_muted_member_is_told_and_their_offers_to_send_sound_are_refused(member):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    state = await start(host_socket, room)
    call_id, host_peer = state["call_id"], state["you"]["peer_id"]
    peer = (await admitted(host_socket, member_socket, call_id))["you"]["peer_id"]
    await send(host_socket, {"type": "call.mute", "call_id": call_id, "peer_id": peer})
    notice = await receive_until(member_socket, "call.notice")
    assert notice["kind"] == "muted"
    sending_sound = offer_sdp(audio="a=sendrecv")
    await send(
        member_socket,
        {
            "type": "call.offer",
            "call_id": call_id,
            "to": host_peer,
            "sdp": sending_sound,
            "ref": host_peer,
        },
    )
    # The refusal echoes the ref, so the client knows which connection's offer to take back.
    refusal = await receive_until(member_socket, "error")
    assert refusal["code"] == "mic_off_by_host" and refusal["ref"] == host_peer
    # Receiving only still works; after "ask to unmute", sending sound does too.
    await send(
        member_socket,
        {"type": "call.offer", "call_id": call_id, "to": host_peer, "sdp": offer_sdp()},
    )
    await receive_until(host_socket, "call.offer")
    await send(host_socket, {"type": "call.ask_unmute", "call_id": call_id, "peer_id": peer})
    assert (await receive_until(member_socket, "call.notice"))["kind"] == "unmute_asked"
    await send(
        member_socket,
        {"type": "call.offer", "call_id": call_id, "to": host_peer, "sdp": sending_sound},
    )
    await receive_until(host_socket, "call.offer")
    await _close(host_socket, member_socket)


async def test_stopped_video_blocks_offers_that_send_video_until_allowed(member):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    state = await start(host_socket, room)
    call_id, host_peer = state["call_id"], state["you"]["peer_id"]
    peer = (await admitted(host_socket, member_socket, call_id))["you"]["peer_id"]
    await send(host_socket, {"type": "call.stop_video", "call_id": call_id, "peer_id": peer})
    assert (await receive_until(member_socket, "call.notice"))["kind"] == "video_stopped"
    sending_video = offer_sdp(video="a=sendonly")
    frame = {"type": "call.offer", "call_id": call_id, "to": host_peer, "sdp": sending_video}
    await send(member_socket, frame)
    assert (await receive_until(member_socket, "error"))["code"] == "video_stopped"
    await send(host_socket, {"type": "call.allow_video", "call_id": call_id, "peer_id": peer})
    assert (await receive_until(member_socket, "call.notice"))["kind"] == "video_allowed"
    await send(member_socket, frame)
    await receive_until(host_socket, "call.offer")
    await _close(host_socket, member_socket)


async def test_only_the_host_uses_host_controls(member, other_member):
    _host, _room, sockets, call_id, peers = await _three_in_a_call(member, other_member)
    for frame_type in ("call.remove", "call.mute", "call.stop_video"):
        await send(sockets[1], {"type": frame_type, "call_id": call_id, "peer_id": peers[2]})
        assert (await receive_until(sockets[1], "error"))["code"] == "not_host"
    await send(sockets[1], {"type": "call.end", "call_id": call_id})
    assert (await receive_until(sockets[1], "error"))["code"] == "not_host"
    await _close(*sockets)


async def test_end_for_all_closes_the_call_for_everyone(member, other_member):
    _host, _room, sockets, call_id, _peers = await _three_in_a_call(member, other_member)
    await send(sockets[0], {"type": "call.end", "call_id": call_id})
    for socket in sockets:
        assert (await receive_until(socket, "call.ended"))["reason"] == "ended_by_host"
    call = await db(Call.objects.get)(public_id=call_id)
    assert call.state == "ended" and call.ended_at is not None
    assert await db(AuditLogEntry.objects.filter(action="call_end", target_id=call.pk).count)() == 1
    await send(sockets[1], {"type": "call.join", "call_id": call_id})
    assert (await receive_until(sockets[1], "error"))["code"] == "not_found"
    await _close(*sockets)


async def test_the_host_leaving_ends_the_call_unless_handed_to_another_moderator(member):
    host, room = await _circle(member)
    second_host = await make_member_async(mfa=True)
    await db(add_member)(group=room.group, user=second_host, role=Membership.Role.MODERATOR)
    sockets = [await open_socket(user) for user in (host, member, second_host)]
    state = await start(sockets[0], room)
    call_id = state["call_id"]
    member_peer = (await admitted(sockets[0], sockets[1], call_id))["you"]["peer_id"]
    second_peer = (await admitted(sockets[0], sockets[2], call_id))["you"]["peer_id"]
    # The host is told whom the call may go to; nobody else is told who could host.
    host_view = await state_where(sockets[0], lambda state: len(state["participants"]) == 3)
    assert {person["peer_id"]: person["may_host"] for person in host_view["participants"]} == {
        state["you"]["peer_id"]: False,
        member_peer: False,
        second_peer: True,
    }
    member_view = await state_where(sockets[1], lambda state: len(state["participants"]) == 3)
    assert not any("may_host" in person for person in member_view["participants"])
    # Not to an ordinary member.
    await send(sockets[0], {"type": "call.hand_host", "call_id": call_id, "peer_id": member_peer})
    assert (await receive_until(sockets[0], "error"))["code"] == "cannot_host"
    await send(sockets[0], {"type": "call.hand_host", "call_id": call_id, "peer_id": second_peer})
    await state_where(sockets[2], lambda state: state["you"]["host"])
    await send(sockets[0], {"type": "call.leave", "call_id": call_id})
    await receive_until(sockets[0], "call.left")
    call = await db(Call.objects.get)(public_id=call_id)
    assert call.state == "active" and call.host_id == second_host.pk
    # The new host leaves without handing on: the call ends for everyone.
    await send(sockets[2], {"type": "call.leave", "call_id": call_id})
    assert (await receive_until(sockets[1], "call.ended"))["reason"] == "host_left"
    await _close(*sockets)


async def test_a_call_socket_that_closes_leaves_the_call(member):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    call_id = (await start(host_socket, room))["call_id"]
    await admitted(host_socket, member_socket, call_id)
    await member_socket.disconnect()
    await state_where(host_socket, lambda state: len(state["participants"]) == 1)
    participant = await db(CallParticipant.objects.get)(user=member)
    assert participant.state == "left" and participant.channel_name == ""
    await _close(host_socket)


async def test_a_private_call_in_a_support_thread_is_for_the_two_of_them_only(member):
    advocate = await make_member_async(mfa=True)
    thread = await db(make_support_thread)(member=member, advocate=advocate, alias="Robin")
    advocate_socket, member_socket = await open_socket(advocate), await open_socket(member)
    state = await start(advocate_socket, thread, media="voice")
    assert state["kind"] == "private" and state["waiting_room"] is False
    inside = await join_call(member_socket, state["call_id"])
    assert inside["you"]["state"] == "admitted"
    # The member appears by the request's alias only.
    names = [person["name"] for person in inside["participants"]]
    pseudonym = await db(lambda: member.profile.pseudonym)()
    assert "Robin" in names and pseudonym not in json.dumps(inside)
    stranger = await open_socket(await make_member_async(mfa=True))
    await send(stranger, {"type": "call.join", "call_id": state["call_id"]})
    assert (await receive_until(stranger, "error"))["code"] == "not_found"
    await _close(advocate_socket, member_socket, stranger)


async def test_the_call_draws_each_person_by_their_avatar_but_an_alias_by_none(member):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    state = await start(host_socket, room, media="voice")
    inside = await admitted(host_socket, member_socket, state["call_id"])
    seeds = await db(lambda: [host.profile.avatar_seed, member.profile.avatar_seed])()
    # Data to draw, never markup and never the seed itself.
    assert [person["avatar"] for person in inside["participants"]] == [
        avatar_pattern(seed) for seed in seeds
    ]
    assert not any(seed in json.dumps(inside) for seed in seeds)
    assert "<" not in json.dumps([person["avatar"] for person in inside["participants"]])
    await _close(host_socket, member_socket)

    advocate = await make_member_async(mfa=True)
    thread = await db(make_support_thread)(member=member, advocate=advocate, alias="Robin")
    advocate_socket, member_socket = await open_socket(advocate), await open_socket(member)
    state = await start(advocate_socket, thread, media="voice")
    inside = await join_call(member_socket, state["call_id"])
    shown = {person["name"]: person["avatar"] for person in inside["participants"]}
    advocate_seed = await db(lambda: advocate.profile.avatar_seed)()
    # The aliased member's own avatar would tie the alias to their profile.
    assert shown == {
        await db(lambda: advocate.profile.pseudonym)(): avatar_pattern(advocate_seed),
        "Robin": None,
    }
    await _close(advocate_socket, member_socket)


async def test_a_site_moderator_outside_the_group_is_drawn_by_no_avatar(member):
    _host, room = await _circle(member)
    moderator = await make_member_async(site_moderator=True, mfa=True)
    moderator_socket, member_socket = await open_socket(moderator), await open_socket(member)
    state = await start(moderator_socket, room, media="voice")
    inside = await admitted(moderator_socket, member_socket, state["call_id"])
    shown = {person["name"]: person["avatar"] for person in inside["participants"]}
    seed, pseudonym = await db(
        lambda: (moderator.profile.avatar_seed, moderator.profile.pseudonym)
    )()
    # "Moderator" stands in for their profile: its avatar would name them.
    assert shown["Moderator"] is None and pseudonym not in shown
    assert json.dumps(avatar_pattern(seed)["cells"]) not in json.dumps(inside)
    await _close(moderator_socket, member_socket)


async def test_a_member_removed_from_the_group_is_out_of_its_call_at_once(member):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    call_id = (await start(host_socket, room))["call_id"]
    await admitted(host_socket, member_socket, call_id)
    await db(end_membership)(group_id=room.group_id, user_id=member.pk, ban=True)
    output = await member_socket.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await member_socket.receive_output(timeout=3)
    assert output["code"] == 4003
    await _close(host_socket)


async def test_every_host_action_writes_one_audit_row_and_a_repeat_writes_none(member):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    call_id = (await start(host_socket, room))["call_id"]
    peer = (await admitted(host_socket, member_socket, call_id))["you"]["peer_id"]
    actions = [
        ({"type": "call.lock", "locked": True}, "call_lock"),
        ({"type": "call.lock", "locked": False}, "call_unlock"),
        ({"type": "call.mute", "peer_id": peer}, "call_mute"),
        ({"type": "call.ask_unmute", "peer_id": peer}, "call_ask_unmute"),
        ({"type": "call.stop_video", "peer_id": peer}, "call_stop_video"),
        ({"type": "call.allow_video", "peer_id": peer}, "call_allow_video"),
        ({"type": "call.allow_screen", "peer_id": peer, "allowed": True}, "call_allow_screen"),
        ({"type": "call.allow_screen", "peer_id": peer, "allowed": False}, "call_stop_screen"),
    ]
    call = await db(Call.objects.get)(public_id=call_id)
    for frame, action in actions:
        for _twice in range(2):
            await send(host_socket, {**frame, "call_id": call_id})
            await _still_up(host_socket)
        rows = await db(list)(AuditLogEntry.objects.filter(action=action, target_id=call.pk))
        assert len(rows) == 1, action
        assert rows[0].target_kind == "call" and rows[0].group_id == room.group_id
        assert rows[0].actor_id == host.pk
    # Screen sharing is off unless the host allows it for a person.
    state = await state_where(member_socket, lambda state: not state["you"]["may_share_screen"])
    assert state["you"]["may_use_mic"] and state["you"]["may_use_video"]
    await _close(host_socket, member_socket)


async def test_the_hosts_attendee_list_shows_members_who_appear_offline_elsewhere(member):
    def shy():
        member.profile.appear_offline = True
        member.profile.save(update_fields=["appear_offline"])

    await db(shy)()
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    call_id = (await start(host_socket, room))["call_id"]
    await admitted(host_socket, member_socket, call_id)
    pseudonym = await db(lambda: member.profile.pseudonym)()
    state = await state_where(host_socket, lambda state: len(state["participants"]) == 2)
    assert pseudonym in [person["name"] for person in state["participants"]]
    await _close(host_socket, member_socket)


async def test_sockets_in_the_room_hear_when_a_call_starts_and_finishes(member):
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    await join(member_socket, room.pk)
    call_id = (await start(host_socket, room))["call_id"]
    started = await receive_until(member_socket, "call.started")
    assert started == {
        "type": "call.started",
        "conversation_id": room.pk,
        "call_id": call_id,
        "kind": "circle",
        "media": "video",
    }
    await send(host_socket, {"type": "call.end", "call_id": call_id})
    finished = await receive_until(member_socket, "call.finished")
    assert finished["call_id"] == call_id
    await _close(host_socket, member_socket)


async def test_a_host_whose_connection_drops_may_come_back_within_the_grace(member, settings):
    settings.KINDRED_CALL_HOST_GRACE = 1
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    started = await start(host_socket, room)
    call_id, host_peer = started["call_id"], started["you"]["peer_id"]
    await admitted(host_socket, member_socket, call_id)
    await host_socket.disconnect()
    # While the host is away (left, within the grace), nothing is relayed to them.
    await state_where(member_socket, lambda state: len(state["participants"]) == 1)
    await send(
        member_socket,
        {"type": "call.offer", "call_id": call_id, "to": host_peer, "sdp": offer_sdp()},
    )
    assert (await receive_until(member_socket, "error"))["code"] == "not_found"
    back = await open_socket(host)
    state = await join_call(back, call_id)
    assert state["you"]["state"] == "admitted" and state["you"]["host"] is True
    await asyncio.sleep(1.5)
    call = await db(Call.objects.get)(public_id=call_id)
    assert call.state == "active"
    await _close(back, member_socket)


async def test_another_moderator_cannot_start_over_a_call_whose_host_may_still_come_back(
    member, settings
):
    settings.KINDRED_CALL_HOST_GRACE = 20
    host, room = await _circle(member)
    second_host = await make_member_async(mfa=True)
    await db(add_member)(group=room.group, user=second_host, role=Membership.Role.MODERATOR)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    call_id = (await start(host_socket, room))["call_id"]
    await admitted(host_socket, member_socket, call_id)
    await host_socket.disconnect()
    # Within the host's grace the call is still theirs: starting another is refused.
    other_socket = await open_socket(second_host)
    await send(other_socket, {"type": "call.start", "conversation_id": room.pk, "media": "video"})
    assert (await receive_until(other_socket, "error"))["code"] == "call_active"
    call = await db(Call.objects.get)(public_id=call_id)
    assert call.state == "active"
    back = await open_socket(host)
    assert (await join_call(back, call_id))["you"]["host"] is True
    await _close(back, member_socket, other_socket)


async def test_a_host_who_does_not_come_back_ends_the_call_for_everyone(member, settings):
    settings.KINDRED_CALL_HOST_GRACE = 1
    host, room = await _circle(member)
    host_socket, member_socket = await open_socket(host), await open_socket(member)
    call_id = (await start(host_socket, room))["call_id"]
    await admitted(host_socket, member_socket, call_id)
    await host_socket.disconnect()
    ended = await receive_until(member_socket, "call.ended", wait=5)
    assert ended["reason"] == "host_left"
    await _close(member_socket)
