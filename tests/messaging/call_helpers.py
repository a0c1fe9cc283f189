"""Helpers for call tests: session descriptions and candidates as Chromium writes them, and
a room with a host who may start calls."""

from channels.db import database_sync_to_async as db

from messaging.services.conversations import get_or_create_group_room
from tests.factories import make_member
from tests.messaging.conftest import make_group, receive_until, send

TURN_SECRET = "test-turn-secret"
TURN_URLS = ["turn:127.0.0.1:3478?transport=udp"]

HOST_CANDIDATE = "candidate:1 1 udp 2122260223 192.168.1.23 54400 typ host generation 0"
SRFLX_CANDIDATE = (
    "candidate:2 1 udp 1686052607 203.0.113.7 54400 typ srflx raddr 192.168.1.23 rport 54400"
)
RELAY_CANDIDATE = (
    "candidate:3 1 udp 41885439 127.0.0.1 50000 typ relay raddr 203.0.113.7 rport 54400 "
    "generation 0 ufrag abcd network-id 1"
)


def offer_sdp(*, audio: str = "a=recvonly", video: str = "a=recvonly", extra: str = "") -> str:
    return (
        "v=0\r\n"
        "o=- 4611731400430051336 2 IN IP4 192.168.1.23\r\n"
        "s=-\r\nt=0 0\r\n"
        "a=group:BUNDLE 0 1\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "c=IN IP4 192.168.1.23\r\n"
        "a=rtcp:9 IN IP4 192.168.1.23\r\n"
        f"a={HOST_CANDIDATE}\r\n"
        f"a={SRFLX_CANDIDATE}\r\n"
        f"a={RELAY_CANDIDATE}\r\n"
        "a=mid:0\r\n"
        f"{audio}\r\n"
        "a=rtpmap:111 opus/48000/2\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "a=mid:1\r\n"
        f"{video}\r\n"
        "a=rtpmap:96 VP8/90000\r\n"
        f"{extra}"
    )


def circle(*, members=(), host=None):
    """A group with a moderator who has two-factor authentication (so host powers), its room
    and members."""
    host = host or make_member(mfa=True)
    group = make_group(name="Circle", members=list(members), moderators=[host])
    return host, get_or_create_group_room(group=group)


async def state_where(socket, test) -> dict:
    """Reads `call.state` frames until one passes `test` (every change to a call sends each
    participant their state again, so one may come before the one a test waits for)."""
    while True:
        state = await receive_until(socket, "call.state")
        if test(state):
            return state


async def start(socket, conversation, media: str = "video") -> dict:
    await send(socket, {"type": "call.start", "conversation_id": conversation.pk, "media": media})
    return await receive_until(socket, "call.state")


async def join_call(socket, call_id: str) -> dict:
    await send(socket, {"type": "call.join", "call_id": call_id})
    return await receive_until(socket, "call.state")


async def admitted(host_socket, member_socket, call_id: str) -> dict:
    """The member knocks and the host admits them; returns the member's admitted state."""
    waiting = await join_call(member_socket, call_id)
    assert waiting["you"]["state"] == "waiting"
    await state_where(host_socket, lambda state: state["waiting"])
    await send(
        host_socket,
        {"type": "call.admit", "call_id": call_id, "peer_id": waiting["you"]["peer_id"]},
    )
    return await state_where(member_socket, lambda state: state["you"]["state"] == "admitted")


make_member_async = db(make_member)
