"""Presence survives crashes: the entries of a daphne process killed with SIGKILL disappear on
their own (Redis entries expire and the surviving process announces the departure; in
embedded mode the one process's memory goes with it)."""

import asyncio
import json
import signal
import time

import pytest
from channels.db import database_sync_to_async as db

from messaging.services.conversations import get_or_create_group_room
from tests.factories import make_member
from tests.messaging.conftest import make_group, session_cookie_for
from tests.servers import (
    REDIS_URL,
    connect_chat,
    free_port,
    redis_reachable,
    start_daphne,
    stop_daphne,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Short for the test; the default (20 s) makes a crashed process's members vanish within 25 s.
TTL = 3


async def _connect(port, user):
    return await connect_chat(port, await db(session_cookie_for)(user))


async def _join(connection, room_id) -> list[str]:
    """Joins and returns the pseudonyms the room lists at that moment."""
    await connection.send(json.dumps({"type": "join", "conversation_id": room_id}))
    while True:
        frame = json.loads(await asyncio.wait_for(connection.recv(), 10))
        if frame["type"] == "presence":
            return [member["pseudonym"] for member in frame["members"]]


def _kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


async def test_a_killed_process_members_leave_the_room_on_the_other_process(transactional_db):
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}; this test needs it")
    crashed_member = await db(make_member)(pseudonym="OnTheDeadOne")
    survivor = await db(make_member)(pseudonym="StillHere")
    latecomer = await db(make_member)(pseudonym="LateComer")
    room = await db(get_or_create_group_room)(
        group=await db(make_group)(members=[crashed_member, survivor, latecomer])
    )
    env = {"REDIS_URL": REDIS_URL, "KINDRED_PRESENCE_TTL": str(TTL)}
    port_a, port_b = free_port(), free_port()
    doomed = await asyncio.to_thread(start_daphne, port_a, env)
    living = await asyncio.to_thread(start_daphne, port_b, env)
    try:
        gone = await _connect(port_a, crashed_member)
        await _join(gone, room.pk)
        watcher = await _connect(port_b, survivor)
        assert sorted(await _join(watcher, room.pk)) == ["OnTheDeadOne", "StillHere"]
        await asyncio.to_thread(_kill, doomed)
        killed_at = time.monotonic()
        crashed_id = await db(lambda: crashed_member.profile.public_id)()
        while True:
            frame = json.loads(await asyncio.wait_for(watcher.recv(), TTL * 4))
            if frame["type"] == "presence.changed" and crashed_id in frame["departed"]:
                break
        # Within the expiry plus one sweep (both scale with the TTL).
        assert time.monotonic() - killed_at <= TTL * 2
        # And someone arriving now does not see them either.
        late = await _connect(port_b, latecomer)
        assert sorted(await _join(late, room.pk)) == ["LateComer", "StillHere"]
        await late.close()
        await watcher.close()
    finally:
        await asyncio.to_thread(stop_daphne, living)
        await asyncio.to_thread(stop_daphne, doomed)


async def test_after_a_crash_and_restart_in_embedded_mode_nobody_is_left_listed(transactional_db):
    crashed_member = await db(make_member)(pseudonym="BeforeTheCrash")
    newcomer = await db(make_member)(pseudonym="AfterTheCrash")
    room = await db(get_or_create_group_room)(
        group=await db(make_group)(members=[crashed_member, newcomer])
    )
    port = free_port()
    embedded = {"REDIS_URL": ""}  # one process, in-memory layer, whatever the suite runs on
    server = await asyncio.to_thread(start_daphne, port, embedded)
    try:
        connection = await _connect(port, crashed_member)
        assert await _join(connection, room.pk) == ["BeforeTheCrash"]
        await asyncio.to_thread(_kill, server)
        server = await asyncio.to_thread(start_daphne, port, embedded)
        fresh = await _connect(port, newcomer)
        assert await _join(fresh, room.pk) == ["AfterTheCrash"]
        await fresh.close()
    finally:
        await asyncio.to_thread(stop_daphne, server)


async def test_a_rooms_presence_versions_only_grow_even_after_a_quiet_spell(transactional_db):
    """Processes ignore a presence change with a version lower than one they heard: so the
    counter must never expire and restart at 1 (it did after 4 × TTL without arrivals)."""
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}; this test needs it")
    from messaging.live_store import RedisLiveStore

    store = RedisLiveStore(REDIS_URL, "kindred-live-version-test", presence_ttl=1)
    store.clear()
    first = await store.presence_enter(conversation_id=1, user_id=7, socket_id="a")
    await store.presence_refresh([(1, 7, "a")])
    left = await store.presence_leave(conversation_id=1, user_id=7, socket_id="a")
    version_key = store._presence_keys(1, 7)[2]
    assert store._sync.ttl(version_key) == -1  # no expiry
    again = await store.presence_enter(conversation_id=1, user_id=7, socket_id="b")
    assert first.version < left.version < again.version
    store.clear()
