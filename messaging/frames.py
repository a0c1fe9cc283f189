"""Building server frames (docs/protocol.md): JSON text once per event, the WebSocket frame
bytes once per event, and the stream envelopes the fan-out hands out in order."""

import json

# The channel-layer message type every process's fan-out listener receives (messaging/fanout.py).
FANOUT_EVENT = "conversation.fanout"


def encode_frame(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"))


def skip_text(conversation_id: int, seq: int) -> str:
    return f'{{"type":"skip","conversation_id":{conversation_id},"seq":{seq}}}'


def stream_envelope(
    *, conversation_id: int, seq: int, frame_type: str, message: dict, author_id, created: float
) -> dict:
    """A new (`message`) or changed (`message.updated`) message at stream position `seq`,
    encoded once for every viewer. `author_id` and `created` (a timestamp) are what the
    viewer rule (messaging.permissions.ViewerFilter) needs to choose, per socket, between this
    frame and a `skip`; they never reach a client."""
    text = encode_frame(
        {"type": frame_type, "conversation_id": conversation_id, "seq": seq, "message": message}
    )
    return {
        "type": FANOUT_EVENT,
        "conversation_id": conversation_id,
        "seq": seq,
        "author_id": author_id,
        "created": created,
        "text": text,
    }


def skip_envelope(*, conversation_id: int, seq: int) -> dict:
    """A stream position nobody may see: taken by a write that did not happen (a racing
    duplicate) or superseded by a later change of the same message."""
    return {"type": FANOUT_EVENT, "conversation_id": conversation_id, "seq": seq, "skip": True}


def websocket_text_frame(text: str) -> bytes:
    """One complete, unmasked server-to-client WebSocket text frame (RFC 6455 §5.2), built
    once per event and written as-is to every local socket that daphne serves."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 65536:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return header + payload
