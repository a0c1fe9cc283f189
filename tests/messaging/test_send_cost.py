"""What one room message costs the database, counted where it happens: on PostgreSQL every
round trip on the wire (libpq's own trace of the database thread's connection: one
ReadyForQuery per trip), on SQLite every statement SQLite runs (its trace callback). The socket
keeps what its member may do, so the send path is the session check and the insert."""

import pytest
from django.db import connection

from messaging.db import database
from tests.messaging.conftest import join, open_socket, receive_until, send
from tests.messaging.database_trips import DatabaseTrips

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_room_message_costs_one_database_round_trip(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)
    # Counted on the consumers' database thread, started and stopped the way they call it.
    trips = await database(DatabaseTrips().start)()
    await send(alice, {"type": "send", "conversation_id": room.pk, "client_id": "c", "body": "hi"})
    ack = await receive_until(alice, "ack")
    assert (await receive_until(bob, "message"))["seq"] == ack["seq"]
    count = await database(trips.stop)()
    if connection.vendor == "postgresql":
        # One statement: the session check, the stream position and the insert, in its own
        # transaction (no health check: messaging/db.py).
        assert count == 1, trips.trace
        assert len(trips.statements) == count, trips.trace
        assert trips.trace.count("INSERT INTO messaging_message") == 1, trips.trace
    else:
        # In-process SQLite (no network): the session check, then BEGIN, the position, the
        # insert, COMMIT.
        # SQLite's trace also reports, inside the insert, the search index's own statements
        # (FTS5's, run by the trigger: "-- …", PRAGMA, its tables) and the insert again as
        # the trigger program steps: in-process work, not round trips.
        statements = []
        for statement in trips.statements:
            internal = statement.startswith(("--", "PRAGMA")) or "_search_" in statement
            if not internal and (not statements or statements[-1] != statement):
                statements.append(statement)
        assert len(statements) <= 5, trips.statements
    await alice.disconnect()
    await bob.disconnect()
