"""The baseline for bench.room_load: a bare `websockets` broadcast server speaking the same
frames as Kindred's /ws/chat/ for what the benchmark does (join, send), with no
authentication, no database and no channel layer: each `send` gets the next seq and id, is
broadcast with `websockets.broadcast` to every socket joined to the conversation, and acked.

What Kindred costs on top of this is what its sessions, database, channel layer and privacy
rules cost. bench.room_load starts it as a subprocess; by hand:

    .venv/bin/python -m bench.bare_broadcast --port 8765
"""

import argparse
import asyncio
import html
import json
import secrets
from datetime import UTC, datetime

from websockets.asyncio.server import broadcast, serve
from websockets.exceptions import ConnectionClosed

PAGE_SIZE = 50
RESUME_PAGE_SIZE = 500


def encode(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"))


class Conversation:
    def __init__(self, conversation_id: int):
        self.id = conversation_id
        self.seq = 0
        self.messages: list[dict] = []  # seq n is messages[n - 1]
        self.acks: dict[str, dict] = {}
        self.joined: set = set()


class BareBroadcast:
    def __init__(self):
        self.conversations: dict[int, Conversation] = {}
        self.next_message_id = 1

    def conversation(self, conversation_id: int) -> Conversation:
        found = self.conversations.get(conversation_id)
        if found is None:
            found = self.conversations[conversation_id] = Conversation(conversation_id)
        return found

    async def handle(self, connection) -> None:
        member = {"public_id": secrets.token_urlsafe(12), "pseudonym": secrets.token_hex(5)}
        connection.member = member
        joined: set[int] = set()
        await connection.send(encode({"type": "hello", "unread_notifications": 0}))
        try:
            async for text in connection:
                frame = json.loads(text)
                kind = frame.get("type")
                if kind == "send":
                    self.on_send(connection, frame, joined)
                elif kind == "join":
                    await self.on_join(connection, frame, joined)
                elif kind == "ping":
                    await connection.send(encode({"type": "pong", "ref": frame.get("ref")}))
        except ConnectionClosed:
            pass
        finally:
            for conversation_id in joined:
                self.conversations[conversation_id].joined.discard(connection)

    async def on_join(self, connection, frame: dict, joined: set[int]) -> None:
        conversation = self.conversation(frame["conversation_id"])
        conversation.joined.add(connection)
        joined.add(conversation.id)
        await connection.send(
            encode(
                {
                    "type": "joined",
                    "conversation_id": conversation.id,
                    "kind": "room",
                    "room": {"locked": False, "slow_mode_seconds": 0, "links_restricted": False},
                    "can_moderate": False,
                }
            )
        )
        await connection.send(
            encode(
                {
                    "type": "presence",
                    "conversation_id": conversation.id,
                    "members": [other.member for other in conversation.joined],
                }
            )
        )
        through = conversation.seq
        after_seq = frame.get("after_seq")
        if after_seq is None:
            pages = [(conversation.messages[-PAGE_SIZE:], "latest", through > PAGE_SIZE)]
        else:
            backlog = conversation.messages[after_seq:through]
            pages = [
                (backlog[start : start + RESUME_PAGE_SIZE], "resume", None)
                for start in range(0, max(len(backlog), 1), RESUME_PAGE_SIZE)
            ]
        for number, (messages, mode, older) in enumerate(pages, start=1):
            await connection.send(
                encode(
                    {
                        "type": "messages",
                        "conversation_id": conversation.id,
                        "mode": mode,
                        "messages": messages,
                        "has_more": older if older is not None else number < len(pages),
                        "through_seq": through,
                    }
                )
            )

    def on_send(self, connection, frame: dict, joined: set[int]) -> None:
        conversation = self.conversations.get(frame.get("conversation_id"))
        client_id = frame.get("client_id")
        if conversation is None or conversation.id not in joined:
            broadcast([connection], encode({"type": "error", "code": "not_joined"}))
            return
        known = conversation.acks.get(client_id)
        if known is None:
            conversation.seq += 1
            body = frame.get("body", "")
            message = {
                "id": self.next_message_id,
                "seq": conversation.seq,
                "conversation_id": conversation.id,
                "client_id": client_id,
                "sender": {**connection.member, "avatar_seed": secrets.token_hex(16)},
                "body": body,
                "html": html.escape(body),
                "created_at": datetime.now(UTC).isoformat(),
                "edited_at": None,
                "deleted": False,
                "hidden": False,
            }
            self.next_message_id += 1
            conversation.messages.append(message)
            broadcast(
                conversation.joined,
                encode(
                    {
                        "type": "message",
                        "conversation_id": conversation.id,
                        "seq": message["seq"],
                        "message": message,
                    }
                ),
            )
            known = conversation.acks[client_id] = {
                "type": "ack",
                "conversation_id": conversation.id,
                "client_id": client_id,
                "id": message["id"],
                "seq": message["seq"],
            }
        broadcast([connection], encode(known))


async def main(port: int) -> None:
    server = BareBroadcast()
    async with serve(server.handle, "127.0.0.1", port, compression=None, max_queue=None):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
