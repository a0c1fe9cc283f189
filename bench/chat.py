"""One member's chat socket in a benchmark, with the checks every benchmark makes on what it
receives (docs/protocol.md):

- every stream frame (`message`, `message.updated`, `skip`) carries a top-level `seq`, and on
  one socket each must be exactly the previous one + 1 after the join page's `through_seq`: a
  jump is counted in `seq_gaps`, a repeat or a step back in `out_of_order` (or `duplicates`),
  and a stream frame without `seq` on a socket that has seen one in `unsequenced`;
- each benchmark message (client id "b<number>-<send time>") must arrive exactly once per
  socket, live or in a join page: `received[number]` counts the copies;
- delivery latency is the receipt time minus the send time in the client id, both this
  process's perf_counter, so the generator's own delays count.

Servers from before stream positions send no `seq`: then the order is checked by message id
(which only has to increase) and resuming uses `after_id`. The switch is automatic, per socket,
on the first `seq` or `through_seq` seen.
"""

import asyncio
import json
import random
from array import array
from collections import Counter
from dataclasses import dataclass, field

from bench.client import (
    HandshakeError,
    WebSocketClient,
    bench_client_id,
    connect,
    frame_type,
    message_id,
    new_bench_client_id,
    top_level_seq,
)
from bench.common import Member


@dataclass
class Ledger:
    """What the generator sent and what came back, shared by all sockets of a run."""

    client_ids: dict[int, str] = field(default_factory=dict)  # number → client id sent
    sent_at: dict[int, float] = field(default_factory=dict)  # number → perf_counter at send
    acks: dict[int, tuple[float, int]] = field(default_factory=dict)  # number → (time, id)
    errors: Counter = field(default_factory=Counter)
    next_number: int = 0

    def new_number(self) -> int:
        self.next_number += 1
        return self.next_number

    def ack_latencies(self) -> list[float]:
        return [
            at - self.sent_at[number]
            for number, (at, _id) in self.acks.items()
            if number in self.sent_at
        ]


def backoff_delays():
    """The reference browser client's reconnect waits: 0.25–0.5 s, then doubling, up to a cap
    of 15–30 s, each with its own jitter."""
    attempt = 0
    cap = random.uniform(15, 30)
    while True:
        yield min(random.uniform(0.25, 0.5) * 2**attempt, cap)
        attempt += 1


class ChatSocket:
    def __init__(
        self, *, member: Member, port: int, conversation_id: int, ledger: Ledger, index: int = 0
    ):
        self.member = member
        self.port = port
        self.conversation_id = conversation_id
        self.ledger = ledger
        self.index = index
        self.client: WebSocketClient | None = None
        # Stream bookkeeping, kept across reconnects.
        self.received = bytearray(256)
        self.unique = 0
        self.latencies = array("d")
        self.cursor: int | None = None  # last stream position seen (after a join: through_seq)
        self.last_id = 0
        self.speaks_seq = False
        self.duplicates = 0
        self.out_of_order = 0
        self.seq_gaps = 0
        self.unsequenced = 0  # stream frames without a top-level seq once the socket saw one
        self.connect_failures: Counter = Counter()
        self.connections = 0
        self.joined_at: float | None = None  # perf_counter when the last join was answered
        self._hello: asyncio.Future | None = None
        self._join: asyncio.Future | None = None
        self._join_ref: str | None = None
        self._page_cursor: int | None = None

    # Connecting and joining ------------------------------------------------------------------

    async def open(self, *, wait_seconds: float = 30) -> None:
        loop = asyncio.get_running_loop()
        self._hello = loop.create_future()
        self.client = await connect(
            port=self.port,
            cookie=self.member.cookie,
            origin=f"http://127.0.0.1:{self.port}",
            on_frame=self.on_frame,
            handshake_seconds=wait_seconds,
        )
        self.connections += 1
        try:
            await asyncio.wait_for(asyncio.shield(self._hello), wait_seconds)
        except BaseException:
            self.client.abort()
            raise

    async def join(self, *, resume: bool, wait_seconds: float = 60) -> None:
        """Joins the room (the latest page, or everything after the cursor) and waits until the
        join is fully answered."""
        frame = {"type": "join", "conversation_id": self.conversation_id}
        if resume and self.speaks_seq and self.cursor is not None:
            frame["after_seq"] = self.cursor
        elif resume:
            frame["after_id"] = self.last_id
        self._join = asyncio.get_running_loop().create_future()
        self._page_cursor = self.cursor
        self.client.send_text(json.dumps(frame))
        if not self.speaks_seq:
            # Older servers send no page when nothing was missed: a ping answered after the
            # join tells that it is done (a socket's frames are handled in order).
            self._join_ref = f"join-{self.connections}"
            self.client.send_text(json.dumps({"type": "ping", "ref": self._join_ref}))
        await asyncio.wait_for(asyncio.shield(self._join), wait_seconds)

    async def open_and_join(self, *, resume: bool = False) -> None:
        await self.open()
        await self.join(resume=resume)

    async def stay_connected(self, *, stop: asyncio.Event) -> None:
        """Like a browser tab: when the connection drops, wait with jittered backoff, connect
        again and re-join with the resume cursor, until `stop` is set."""
        while not stop.is_set():
            if self.client is not None and not self.client.closed.done():
                stopped = asyncio.ensure_future(stop.wait())
                await asyncio.wait(
                    [self.client.closed, stopped], return_when=asyncio.FIRST_COMPLETED
                )
                stopped.cancel()
                if stop.is_set():
                    return
            for delay in backoff_delays():
                await asyncio.sleep(delay)
                if stop.is_set():
                    return
                try:
                    await self.open_and_join(resume=True)
                    break
                except HandshakeError as error:
                    self.connect_failures[error.status_line.split(" ")[1]] += 1
                except (OSError, TimeoutError) as error:
                    self.connect_failures[type(error).__name__] += 1
                    if self.client is not None:
                        self.client.abort()

    def send(self, number: int, body: str) -> None:
        """Sends message `number`; a resend of the same number reuses its client id."""
        client_id = self.ledger.client_ids.get(number)
        if client_id is None:
            client_id = self.ledger.client_ids[number] = new_bench_client_id(number)
            self.ledger.sent_at[number] = int(client_id.rsplit("-", 1)[1]) / 1e6
        self.client.send_text(
            json.dumps(
                {
                    "type": "send",
                    "conversation_id": self.conversation_id,
                    "client_id": client_id,
                    "body": body,
                }
            )
        )

    def abort(self) -> None:
        if self.client is not None:
            self.client.abort()

    # Receiving -------------------------------------------------------------------------------

    def on_frame(self, payload: bytes, now: float) -> None:
        kind = frame_type(payload)
        if kind == b"message":
            self._on_stream_frame(payload, now, is_message=True)
        elif kind == b"message.updated" or kind == b"skip":
            self._on_stream_frame(payload, now, is_message=False)
        elif kind == b"ack":
            found = bench_client_id(payload)
            if found is not None and found[0] not in self.ledger.acks:
                frame = json.loads(payload)
                self.ledger.acks[found[0]] = (now, frame.get("id"))
        elif kind == b"messages":
            self._on_page(json.loads(payload), now)
        elif kind == b"hello":
            if self._hello is not None and not self._hello.done():
                self._hello.set_result(True)
        elif kind == b"pong":
            if self._join_ref is not None and f'"ref":"{self._join_ref}"'.encode() in payload:
                self._join_answered(now)
        elif kind == b"error":
            self.ledger.errors[json.loads(payload).get("code")] += 1
        # joined, presence, presence.changed, room.updated, notification: nothing to check

    def _on_stream_frame(self, payload: bytes, now: float, *, is_message: bool) -> None:
        seq = top_level_seq(payload)
        stepped_back = False
        if seq is not None:
            self.speaks_seq = True
            cursor = self.cursor
            if cursor is not None:
                if seq > cursor + 1:
                    self.seq_gaps += seq - cursor - 1
                elif seq <= cursor:
                    stepped_back = True
            if cursor is None or seq > cursor:
                self.cursor = seq
        elif self.speaks_seq:
            self.unsequenced += 1
        fresh = True
        if is_message:
            found = bench_client_id(payload)
            if found is not None:
                fresh = self._mark(found[0])
                if fresh:
                    self.latencies.append(now - found[1])
                else:
                    self.duplicates += 1
            if seq is None:
                identifier = message_id(payload)
                if identifier is not None:
                    stepped_back = identifier <= self.last_id
                    self.last_id = max(self.last_id, identifier)
        if stepped_back and fresh:
            self.out_of_order += 1

    def _on_page(self, frame: dict, now: float) -> None:
        through = frame.get("through_seq")
        if through is not None:
            self.speaks_seq = True
        for message in frame.get("messages", ()):
            seq = message.get("seq")
            fresh = True
            client_id = message.get("client_id") or ""
            if client_id.startswith("b") and "-" in client_id:
                fresh = self._mark(int(client_id[1:].split("-", 1)[0]))
                if not fresh:
                    self.duplicates += 1
            if seq is not None:
                if self._page_cursor is not None and seq <= self._page_cursor and fresh:
                    self.out_of_order += 1
                self._page_cursor = max(seq, self._page_cursor or 0)
            elif message.get("id") is not None:
                if message["id"] <= self.last_id and fresh:
                    self.out_of_order += 1
                self.last_id = max(self.last_id, message["id"])
        final = frame.get("mode") == "latest" or not frame.get("has_more")
        if final and frame.get("mode") != "history":
            if through is not None:
                self.cursor = max(through, self.cursor or 0)
            self._join_answered(now)

    def _join_answered(self, now: float) -> None:
        if self._join is not None and not self._join.done():
            self.joined_at = now
            self._join.set_result(True)

    def _mark(self, number: int) -> bool:
        received = self.received
        if number >= len(received):
            received.extend(bytes(number - len(received) + 1024))
        count = received[number]
        if count < 255:
            received[number] = count + 1
        if count:
            return False
        self.unique += 1
        return True

    def missing(self, numbers) -> int:
        received = self.received
        size = len(received)
        return sum(1 for number in numbers if number >= size or not received[number])
