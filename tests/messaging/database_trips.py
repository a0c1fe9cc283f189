"""Counting what the database is asked, where it happens: on PostgreSQL every round trip on
the wire (libpq's own trace of the connection: one ReadyForQuery per trip), on SQLite every
statement SQLite runs (its trace callback). Start and stop it on the consumers' database
thread (`await database(DatabaseTrips().start)()`) to count what sockets cost."""

import os
import tempfile

from django.db import connection


class DatabaseTrips:
    """Counts what the calling thread's database connection does between start and stop."""

    def start(self):
        connection.ensure_connection()
        self.statements: list[str] = []
        if connection.vendor == "postgresql":
            from psycopg import pq

            self.fd, self.path = tempfile.mkstemp()
            connection.connection.pgconn.trace(self.fd)
            connection.connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        else:
            connection.connection.set_trace_callback(self.statements.append)
        return self

    def stop(self) -> int:
        if connection.vendor == "postgresql":
            connection.connection.pgconn.untrace()
            os.close(self.fd)
            with open(self.path) as trace:
                lines = trace.read().splitlines()
            os.unlink(self.path)
            self.trace = "\n".join(lines)
            self.statements = [line for line in lines if line.startswith("F\t")]
            return sum(1 for line in lines if "\tReadyForQuery" in line)
        connection.connection.set_trace_callback(None)
        return len(self.statements)
