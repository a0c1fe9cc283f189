r"""Call signalling in a full mesh at the mesh limits: one host and the rest of a group's
members in one circle call (6 people with video, 12 voice only: KINDRED_CALL_VIDEO_LIMIT and
KINDRED_CALL_VOICE_LIMIT), every frame as docs/protocol.md ("Calls") and `static/js/call.js`
send it, with the session descriptions Chromium writes (bench/sdp/, captured from Chromium
156) and relay candidates. No media flows: what is measured is the server's part of a call,
on the real socket, with the real call signalling budget (KINDRED_CALL_SIGNAL_BUDGET).

Phases, each timed from its first frame to the last answer it needs:

1. admission: every member knocks at once (`call.join`, the waiting room is on); the host
   admits each one as its name shows in the waiting list; done when every participant's
   `call.state` lists everyone;
2. first negotiation: of every pair, the one whose peer_id sorts first offers (recvonly, as
   on joining with camera and microphone off) and trickles its relay candidates; the other
   answers and trickles its own;
3. everyone turns camera and microphone on at once: every participant offers to every other
   one (sendrecv), so every pair collides and is resolved by perfect negotiation (the polite
   side, whose peer_id sorts last, takes its offer back and answers; the impolite side
   ignores the incoming offer; the polite side offers again once stable);
4. one person leaves and joins again (as anyone joins a call already going): admitted at
   once, they connect to each of the others, offered by whichever of the pair sorts first;
5. host controls: the host mutes and asks to unmute each member in turn; timed to the
   target's `call.notice` and to the last participant's `call.state`;
6. end for all: `call.end` to the last `call.ended`.

Relay latency is per frame, sender's send to receiver's receipt (one clock: one process).
Commands (docs/performance.md):

    .venv/bin/python -m bench.call_mesh --media video
    .venv/bin/python -m bench.call_mesh --media voice
    .venv/bin/python -m bench.call_mesh --mode production --procs 2 --media video
    .venv/bin/python -m bench.call_mesh --mode production --procs 2 --media voice
"""

import argparse
import asyncio
import json
import os
import time
from collections import Counter, defaultdict, deque
from pathlib import Path

from bench.client import connect
from bench.common import (
    CpuWindow,
    Member,
    Run,
    add_mode_arguments,
    make_room,
    mode_from_args,
    percentiles,
    prepare,
    print_profile,
    run_async,
    start_kindred_servers,
    stop_all,
)

SDP_DIR = Path(__file__).resolve().parent / "sdp"
# A relay is configured (calls are on) but never contacted: no media flows in this benchmark.
TURN_ENVIRONMENT = {
    "TURN_URLS": "turn:127.0.0.1:3478?transport=udp",
    "TURN_SECRET": "bench-turn-secret",
}
# What Chromium trickles under iceTransportPolicy "relay" with one bundled transport: a relay
# candidate from its TURN/UDP allocation and a lower-priority one from TURN/TCP (both relay
# UDP), then the end of candidates.
RELAY_CANDIDATES = [
    "candidate:{n}1 1 udp 41885439 127.0.0.1 {port} typ relay raddr 203.0.113.7 rport 54400 "
    "generation 0 ufrag zRZc network-id 1",
    "candidate:{n}2 1 udp 8265471 127.0.0.1 {port} typ relay raddr 203.0.113.7 rport 54401 "
    "generation 0 ufrag zRZc network-id 1",
    "",
]
PHASE_SECONDS = 60
# Phases in which connections are new, so both sides trickle their candidates.
NEW_CONNECTIONS = ("first", "rejoin")


def descriptions(media: str) -> dict[str, str]:
    texts = {}
    for kind in ("offer", "answer"):
        with open(SDP_DIR / f"chromium-{media}-{kind}.sdp", newline="") as file:
            texts[kind] = file.read()  # as Chromium writes it, with CRLF line ends
    # On joining, camera and microphone are off: the first offer receives only, and so does
    # its answer (nothing to send); turning the devices on makes both sendrecv.
    return {
        "offer_on": texts["offer"],
        "answer_on": texts["answer"],
        "offer_off": texts["offer"].replace("a=sendrecv", "a=recvonly"),
        "answer_off": texts["answer"].replace("a=sendrecv", "a=inactive"),
    }


class Participant:
    """One person's socket in the call: sends what call.js sends and answers what it answers,
    records when every relayed frame arrives."""

    def __init__(self, *, member: Member, port: int, mesh: "Mesh"):
        self.member = member
        self.port = port
        self.mesh = mesh
        self.client = None
        self.peer_id: str | None = None
        self.states: asyncio.Queue = asyncio.Queue()
        self.frames: dict[str, asyncio.Queue] = defaultdict(asyncio.Queue)
        self.signalling: dict[str, str] = {}  # peer → "stable" or "have-local-offer"
        self.admitting: set[str] = set()  # (the host) peers it has admitted already
        self.admitted_at: float | None = None  # when its state first said "admitted"
        self.sees_everyone_at: float | None = None  # when its state first listed everyone

    async def open(self) -> None:
        hello = asyncio.get_running_loop().create_future()

        def on_frame(payload: bytes, now: float) -> None:
            frame = json.loads(payload)
            if frame["type"] == "hello" and not hello.done():
                hello.set_result(None)
            else:
                self.on_frame(frame, now)

        self.client = await connect(
            port=self.port,
            cookie=self.member.cookie,
            origin=f"http://127.0.0.1:{self.port}",
            on_frame=on_frame,
        )
        await asyncio.wait_for(hello, PHASE_SECONDS)

    def send(self, frame: dict) -> None:
        self.client.send_text(json.dumps(frame))

    def send_signal(self, kind: str, to: str, **fields) -> None:
        self.mesh.sent(self.peer_id, to, kind)
        self.send({"type": f"call.{kind}", "call_id": self.mesh.call_id, "to": to, **fields})

    def trickle(self, to: str) -> None:
        number = self.mesh.new_candidate_number()
        for line in RELAY_CANDIDATES:
            candidate = {
                "candidate": line.format(n=number, port=50000 + number % 10000),
                "sdpMid": "0" if line else None,
                "sdpMLineIndex": 0 if line else None,
            }
            self.send_signal("candidate", to, candidate=candidate)

    def offer(self, to: str, *, devices_on: bool) -> None:
        self.signalling[to] = "have-local-offer"
        sdp = self.mesh.sdp["offer_on" if devices_on else "offer_off"]
        self.send_signal("offer", to, sdp=sdp, ref=to)

    # What arrives ------------------------------------------------------------------------------

    def on_frame(self, frame: dict, now: float) -> None:
        kind = frame["type"]
        if kind == "call.state":
            self.peer_id = frame["you"]["peer_id"]
            self.states.put_nowait((now, frame))
            if frame["you"]["state"] == "admitted" and self.admitted_at is None:
                self.admitted_at = now
            if len(frame["participants"]) == len(self.mesh.people) and not self.sees_everyone_at:
                self.sees_everyone_at = now
                self.mesh.check_done()
            if frame["you"]["host"]:
                self.admit_the_waiting(frame)
        elif kind in ("call.offer", "call.answer", "call.candidate"):
            self.mesh.received(frame["from"], self.peer_id, kind.removeprefix("call."), now)
            getattr(self, "on_" + kind.removeprefix("call."))(frame)
        elif kind == "error":
            self.mesh.errors[frame["code"]] += 1
        else:
            self.frames[kind].put_nowait((now, frame))

    def admit_the_waiting(self, state: dict) -> None:
        for person in state["waiting"]:
            if person["peer_id"] not in self.admitting:
                self.admitting.add(person["peer_id"])
                self.send(
                    {
                        "type": "call.admit",
                        "call_id": state["call_id"],
                        "peer_id": person["peer_id"],
                    }
                )

    def polite_towards(self, peer: str) -> bool:
        return self.peer_id > peer

    def on_offer(self, frame: dict) -> None:
        peer = frame["from"]
        if self.signalling.get(peer) == "have-local-offer":
            if not self.polite_towards(peer):
                self.mesh.ignored_offers += 1
                return  # the impolite side ignores the colliding offer
            self.mesh.rollbacks += 1  # the polite side takes its own back and answers
            self.signalling[peer] = "stable"
            self.mesh.offer_again.add((self.peer_id, peer))
        devices_on = "a=sendrecv" in frame["sdp"]
        self.send_signal(
            "answer", peer, sdp=self.mesh.sdp["answer_on" if devices_on else "answer_off"]
        )
        if self.mesh.phase in NEW_CONNECTIONS:
            self.trickle(peer)
        elif (self.peer_id, peer) in self.mesh.offer_again:
            self.mesh.offer_again.discard((self.peer_id, peer))
            self.offer(peer, devices_on=True)  # still differs: negotiation is needed again
        self.mesh.check_done()

    def on_answer(self, frame: dict) -> None:
        peer = frame["from"]
        if self.signalling.get(peer) != "have-local-offer":
            return  # an answer to an offer taken back
        self.signalling[peer] = "stable"
        self.mesh.negotiated[self.mesh.phase].add((self.peer_id, peer))
        if self.mesh.phase in NEW_CONNECTIONS:
            self.trickle(peer)
        self.mesh.check_done()

    def on_candidate(self, frame: dict) -> None:
        self.mesh.check_done()


class Mesh:
    """Everyone in the call, and the ledger of every relayed frame."""

    def __init__(self, *, room, ports: list[int], media: str):
        self.sdp = descriptions(media)
        self.people = [
            Participant(member=member, port=ports[number % len(ports)], mesh=self)
            for number, member in enumerate(room.members)
        ]
        self.host = self.people[0]
        self.conversation_id = room.conversation_id
        self.call_id: str | None = None
        self.phase = "admission"
        self.sent_at: dict[tuple, deque] = defaultdict(deque)
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.unmatched = 0
        self.errors: Counter = Counter()
        self.negotiated: dict[str, set] = defaultdict(set)
        self.offer_again: set = set()
        self.ignored_offers = 0
        self.rollbacks = 0
        self.candidate_count = 0
        self.expected_candidates = 0
        self.done: asyncio.Event = asyncio.Event()

    def new_candidate_number(self) -> int:
        self.candidate_count += 1
        return self.candidate_count

    def sent(self, sender: str, to: str, kind: str) -> None:
        self.sent_at[(sender, to, kind)].append(time.perf_counter())

    def received(self, sender: str, to: str, kind: str, now: float) -> None:
        # One socket's frames to one peer are relayed in order: the first unmatched send of
        # that kind is the one that arrived.
        queue = self.sent_at[(sender, to, kind)]
        if queue:
            self.latencies[kind].append(now - queue.popleft())
        else:
            self.unmatched += 1

    def pairs(self) -> int:
        count = len(self.people)
        return count * (count - 1) // 2

    def check_done(self) -> None:
        if self.phase == "admission":
            done = all(person.sees_everyone_at for person in self.people)
        elif self.phase in NEW_CONNECTIONS:
            pairs = self.pairs() if self.phase == "first" else len(self.people) - 1
            done = len(self.negotiated[self.phase]) == pairs and (
                len(self.latencies["candidate"]) >= self.expected_candidates
            )
        elif self.phase == "devices_on":
            # Both directions of every pair end sending: each side's offer answered.
            done = len(self.negotiated["devices_on"]) == 2 * self.pairs() and not any(
                state == "have-local-offer"
                for person in self.people
                for state in person.signalling.values()
            )
        else:
            return
        if done:
            self.done.set()

    async def run_phase(self, name: str, start) -> float:
        self.phase = name
        self.done.clear()
        began = time.perf_counter()
        start()
        await asyncio.wait_for(self.done.wait(), PHASE_SECONDS)
        return time.perf_counter() - began


async def _state_where(person: Participant, test) -> tuple[float, dict]:
    while True:
        at, state = await asyncio.wait_for(person.states.get(), PHASE_SECONDS)
        if test(state):
            return at, state


def _forget_states(people: list[Participant]) -> None:
    """Drops the states already received, so the next wait sees only what comes after."""
    for person in people:
        while not person.states.empty():
            person.states.get_nowait()


async def _frame(person: Participant, kind: str) -> tuple[float, dict]:
    return await asyncio.wait_for(person.frames[kind].get(), PHASE_SECONDS)


async def call_mesh(*, room, ports: list[int], servers, media: str, rounds: int) -> dict:
    mesh = Mesh(room=room, ports=ports, media=media)
    people, host = mesh.people, mesh.host
    await asyncio.gather(*(person.open() for person in people))
    cpu = CpuWindow(servers)
    cpu.start()

    host.send({"type": "call.start", "conversation_id": mesh.conversation_id, "media": media})
    _at, state = await _state_where(host, lambda state: True)
    mesh.call_id = state["call_id"]
    everyone = len(people)

    # 1. Admission: everyone knocks at once; the host admits each one it sees waiting.
    members = people[1:]

    def everyone_knocks():
        for person in members:
            person.send({"type": "call.join", "call_id": mesh.call_id})

    began = time.perf_counter()
    await mesh.run_phase("admission", everyone_knocks)
    admission = {
        "join_to_admitted_ms": percentiles([person.admitted_at - began for person in members]),
        "everyone_lists_everyone_ms": round(
            (max(person.sees_everyone_at for person in people) - began) * 1000, 1
        ),
    }

    # 2. First negotiation: the lower peer_id offers (recvonly) and both trickle candidates.
    by_id = sorted(people, key=lambda person: person.peer_id)
    first_candidates = mesh.expected_candidates = mesh.pairs() * 2 * len(RELAY_CANDIDATES)

    def first_offers():
        for index, person in enumerate(by_id):
            for other in by_id[index + 1 :]:
                person.offer(other.peer_id, devices_on=False)

    first = await mesh.run_phase("first", first_offers)

    # 3. Everyone turns camera and microphone on at once: every pair collides.
    def everyone_offers():
        for person in people:
            for other in people:
                if other is not person:
                    person.offer(other.peer_id, devices_on=True)

    collisions_before = (mesh.ignored_offers, mesh.rollbacks)
    devices_on = await mesh.run_phase("devices_on", everyone_offers)

    # 4. One person leaves and comes back (admitted at once: they were before), the way
    # anyone joins a call already going: connections to each of the others, offered by
    # whichever of the pair sorts first once it sees the other listed.
    late = people[-1]
    late.send({"type": "call.leave", "call_id": mesh.call_id})
    await _frame(late, "call.left")
    for other in people[:-1]:
        await _state_where(other, lambda state: len(state["participants"]) == everyone - 1)
        other.signalling.pop(late.peer_id, None)
    late.signalling.clear()
    _forget_states(people)
    mesh.expected_candidates = len(mesh.latencies["candidate"]) + (everyone - 1) * 2 * len(
        RELAY_CANDIDATES
    )

    async def offer_on_seeing(person: Participant) -> None:
        if person is late:
            await _state_where(late, lambda state: state["you"]["state"] == "admitted")
            for other in people[:-1]:
                if late.peer_id < other.peer_id:
                    late.offer(other.peer_id, devices_on=False)
        else:
            await _state_where(
                person,
                lambda state: any(p["peer_id"] == late.peer_id for p in state["participants"]),
            )
            if person.peer_id < late.peer_id:
                person.offer(late.peer_id, devices_on=False)

    offering: list[asyncio.Task] = []
    rejoin = await mesh.run_phase(
        "rejoin",
        lambda: (
            late.send({"type": "call.join", "call_id": mesh.call_id}),
            offering.extend(asyncio.ensure_future(offer_on_seeing(p)) for p in people),
        ),
    )
    await asyncio.gather(*offering)

    # 5. Host controls: mute and ask to unmute each member, `rounds` times over.
    mesh.phase = "host"
    notice_ms, fanout_ms = [], []
    for _round in range(rounds):
        for person in members:
            for action in ("call.mute", "call.ask_unmute"):
                _forget_states(people)
                sent = time.perf_counter()
                host.send({"type": action, "call_id": mesh.call_id, "peer_id": person.peer_id})
                at, _notice = await _frame(person, "call.notice")
                notice_ms.append(at - sent)
                want = action == "call.ask_unmute"
                last = await asyncio.gather(
                    *(
                        _state_where(
                            other,
                            lambda state, peer=person.peer_id, want=want: any(
                                p["peer_id"] == peer and p["may_use_mic"] is want
                                for p in state["participants"]
                            ),
                        )
                        for other in people
                    )
                )
                fanout_ms.append(max(at for at, _ in last) - sent)

    # 6. End for all.
    sent = time.perf_counter()
    host.send({"type": "call.end", "call_id": mesh.call_id})
    ended = await asyncio.gather(*(_frame(person, "call.ended") for person in people))
    end_for_all_ms = round((max(at for at, _ in ended) - sent) * 1000, 1)
    window = cpu.stop()
    for person in people:
        person.client.abort()

    relayed = sum(len(values) for values in mesh.latencies.values())
    return {
        "participants": everyone,
        "pairs": mesh.pairs(),
        "admission": admission,
        "first_negotiation": {
            "wall_ms": round(first * 1000, 1),
            "offers": mesh.pairs(),
            "candidates": first_candidates,
        },
        "devices_on_at_once": {
            "wall_ms": round(devices_on * 1000, 1),
            "offers_ignored_by_impolite": mesh.ignored_offers - collisions_before[0],
            "offers_rolled_back_by_polite": mesh.rollbacks - collisions_before[1],
        },
        "one_rejoins": {
            "wall_ms": round(rejoin * 1000, 1),
            "connections": everyone - 1,
        },
        "relay_latency_ms": {kind: percentiles(values) for kind, values in mesh.latencies.items()},
        "host_control": {
            "to_target_notice_ms": percentiles(notice_ms),
            "to_everyones_state_ms": percentiles(fanout_ms),
        },
        "end_for_all_ms": end_for_all_ms,
        "frames_relayed": relayed,
        "relayed_without_a_matching_send": mesh.unmatched,
        "errors": dict(mesh.errors),
        "cpu": window,
    }


def make_host(room) -> None:
    """The room's first member becomes a moderator of its group with two-factor
    authentication, so they may start and host a circle call."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from community.models import Membership, User

    host = User.objects.get(pk=room.members[0].user_id)
    Membership.objects.filter(group_id=room.group_id, user=host).update(
        role=Membership.Role.MODERATOR
    )
    TOTP.activate(host, generate_totp_secret())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_mode_arguments(parser)
    parser.add_argument("--media", choices=["video", "voice"], default="video")
    parser.add_argument(
        "--people", type=int, help="default: the mesh limit (6 with video, 12 voice only)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="host-control rounds")
    parser.add_argument("--profile", help="cProfile the (first) server into this file")
    args = parser.parse_args()
    mode = mode_from_args(parser, args)
    os.environ.update(TURN_ENVIRONMENT)
    run = Run("call_mesh", mode)
    prepare(mode)
    from django.conf import settings

    limit = (
        settings.KINDRED_CALL_VIDEO_LIMIT
        if args.media == "video"
        else settings.KINDRED_CALL_VOICE_LIMIT
    )
    people = args.people or limit
    if not 2 <= people <= limit:
        parser.error(f"--people must be 2–{limit} for a {args.media} call")
    room = make_room(members=people, name="Call room")
    make_host(room)
    servers = start_kindred_servers(mode, profile_path=args.profile)
    try:
        results = run_async(
            call_mesh(
                room=room,
                ports=[server.port for server in servers],
                servers=servers,
                media=args.media,
                rounds=args.rounds,
            )
        )
    finally:
        stop_all(servers)
    if args.profile:
        print_profile(args.profile)
    run.finish(
        {
            "media": args.media,
            "call_signal_budget": settings.KINDRED_CALL_SIGNAL_BUDGET,
            **results,
        }
    )


if __name__ == "__main__":
    main()
