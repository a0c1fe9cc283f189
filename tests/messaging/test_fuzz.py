"""Hypothesis throws arbitrary frames at the consumer: every one gets a well-formed answer,
nothing is a server error, and the socket and the server stay up."""

import json

import pytest
from asgiref.sync import async_to_sync
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.messaging.conftest import open_socket, receive, send

FRAME_TYPES = ["join", "leave", "send", "edit", "delete", "history", "read", "ping", "nope"]
FIELDS = [
    "type",
    "conversation_id",
    "after_id",
    "before_id",
    "message_id",
    "client_id",
    "body",
    "ref",
]
ANSWER_TYPES = {
    "error",
    "ack",
    "message",
    "message.updated",
    "joined",
    "left",
    "messages",
    "presence",
    "presence.changed",
    "pong",
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
structured = st.fixed_dictionaries(
    {"type": st.sampled_from(FRAME_TYPES)},
    optional={name: json_values for name in FIELDS[1:]},
).map(json.dumps)
frames = st.lists(
    st.one_of(
        structured,
        st.text(min_size=1, max_size=200),
        st.binary(min_size=1, max_size=50),
        json_values.map(json.dumps),
    ),
    min_size=1,
    max_size=8,
)


@pytest.fixture
def room_id(room_with_two_members):
    return room_with_two_members.pk


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=frames)
def test_consumer_answers_any_input_without_crashing(room_id, member, batch):
    async def run():
        socket = await open_socket(member)
        await send(socket, {"type": "join", "conversation_id": room_id})
        for raw in batch:
            if isinstance(raw, bytes):
                await socket.send_to(bytes_data=raw)
            else:
                await socket.send_to(text_data=raw.replace("1", str(room_id), 1))
        await send(socket, {"type": "ping", "ref": "fuzz-end"})
        answers = []
        while True:
            frame = await receive(socket, wait=5)
            answers.append(frame)
            if frame["type"] == "pong" and frame.get("ref") == "fuzz-end":
                break
        for frame in answers:
            assert frame["type"] in ANSWER_TYPES, frame
            assert frame.get("code") != "server_error", (batch, frame)
        await socket.disconnect()

    async_to_sync(run)()
