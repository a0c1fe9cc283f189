"""Building server frames (docs/protocol.md): JSON text once per event, the WebSocket frame
bytes once per event, and the stream envelopes the fan-out hands out in order."""

import json

# The channel-layer message type every process's fan-out listener receives (messaging/fanout.py).
FANOUT_EVENT = "conversation.fanout"


def encode_frame(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"))


def messages_page_text(
    *, conversation_id: int, mode: str, encoded_messages: list[str], has_more: bool, through_seq
) -> str:
    """A `messages` frame from messages already encoded (a resume from memory)."""
    through = "" if through_seq is None else f',"through_seq":{through_seq}'
    return (
        f'{{"type":"messages","conversation_id":{conversation_id},"mode":"{mode}",'
        f'"messages":[{",".join(encoded_messages)}],"has_more":{"true" if has_more else "false"}'
        f"{through}}}"
    )


# How every `message` frame (a new message, not a change) begins: see stream_envelope.
NEW_MESSAGE_PREFIX = '{"type":"message",'


def skip_text(conversation_id: int, seq: int) -> str:
    return f'{{"type":"skip","conversation_id":{conversation_id},"seq":{seq}}}'


def stream_envelope(
    *, conversation_id: int, seq: int, frame_type: str, message: dict, author_id, created: float
) -> dict:
    """A new (`message`) or changed (`message.updated`) message at stream position `seq`,
    encoded once for every viewer. `author_id` and `created` (a timestamp) are what the
    viewer rule (messaging.permissions.ViewerFilter) needs to choose, per socket, between this
    frame and a `skip`; they never reach a client. The message's own JSON sits in `text` from
    `message_at` to the last character, so a resume page can reuse it without encoding."""
    head = f'{{"type":"{frame_type}","conversation_id":{conversation_id},"seq":{seq},"message":'
    return {
        "type": FANOUT_EVENT,
        "conversation_id": conversation_id,
        "seq": seq,
        "message_id": message["id"],
        "author_id": author_id,
        "created": created,
        "text": f"{head}{encode_frame(message)}}}",
        "message_at": len(head),
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
