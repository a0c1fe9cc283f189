"""Calls from the event loop to the database, for the chat consumer and the fan-out.

channels' `database_sync_to_async` runs every call on one thread and calls Django's
`close_old_connections()` before and after it. With `CONN_HEALTH_CHECKS` on (Kindred's
setting), that makes every call's first query wait for a `SELECT 1` round trip: on the send
path of a room message, one trip in three. `database()` runs calls on the same single thread
and closes a connection only when Django saw it fail, when it outlived `CONN_MAX_AGE`, or when
it was left outside autocommit: what `close_old_connections` decides, without the health
check. A connection that broke silently (the database restarted) fails its next query, which
marks it, and the call after that opens a new one.

`run_in_database()` also collects what the call's transactions announced on commit and sends
it from the event loop once the call returns (messaging/services/realtime.py).
"""

import time

from asgiref.sync import SyncToAsync
from django.db import connections

from messaging.services.realtime import collected_publishing, publish_collected


def close_failed_connections() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        if (
            connection.errors_occurred
            or (connection.close_at is not None and time.monotonic() >= connection.close_at)
            or connection.get_autocommit() != connection.settings_dict["AUTOCOMMIT"]
        ):
            connection.close_if_unusable_or_obsolete()


class database(SyncToAsync):  # noqa: N801 - used like a function: await database(f)(...)
    def __init__(self, function):
        super().__init__(function, thread_sensitive=True)

    def thread_handler(self, loop, *args, **kwargs):
        close_failed_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            close_failed_connections()


async def run_in_database(function, **kwargs):
    """Runs `function` on the database thread; what its transactions announced on commit is
    sent from here, in order, once it returns (or fails), instead of one hop back to the
    event loop per event."""

    def call():
        with collected_publishing() as outbox:
            try:
                return function(**kwargs), None, outbox
            except Exception as error:  # re-raised below, after publishing what committed
                return None, error, outbox

    result, error, outbox = await database(call)()
    if outbox:
        await publish_collected(outbox)
    if error is not None:
        raise error
    return result
