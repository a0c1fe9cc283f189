import asyncio
import os
import secrets

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import translation

from messaging.db import database
from messaging.live_store import live_store
from tests.factories import make_member
from tests.servers import free_port, start_escrow, stop_daphne


@pytest.fixture(scope="session")
def matching_escrow():
    """The matching escrow service, a real process with a key of its own (decision 0080), for
    this worker's session. Its address goes into the settings and into the environment the
    live server (tests/browser/conftest.py) inherits."""
    port = free_port()
    # The shared secret in the environment every process reads (this one's settings, the
    # escrow's, the live server's), so none depends on a file another process is writing.
    shared = secrets.token_urlsafe(32)
    previous = settings.ESCROW_URL, settings.ESCROW_SECRET
    os.environ["ESCROW_SECRET"] = settings.ESCROW_SECRET = shared
    process = start_escrow(port, secrets.token_hex(32))
    url = f"http://127.0.0.1:{port}"
    os.environ["KINDRED_TEST_ESCROW_URL"] = settings.ESCROW_URL = url
    yield url
    settings.ESCROW_URL, settings.ESCROW_SECRET = previous
    os.environ.pop("KINDRED_TEST_ESCROW_URL", None)
    os.environ.pop("ESCROW_SECRET", None)
    stop_daphne(process)


@pytest.fixture(scope="session", autouse=True)
def _database_thread_closes_its_connections(django_db_setup, django_db_blocker):
    """The consumers' database thread keeps its connection between calls (messaging/db.py).
    Closed before the test database is dropped, which PostgreSQL refuses while a session is
    still connected to it."""
    yield
    with django_db_blocker.unblock():
        asyncio.run(database(connections.close_all)())


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache and the live store: every test starts with none used."""
    cache.clear()
    live_store().clear()
    yield


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request's LocaleMiddleware leaves its language active in the thread: a Spanish page
    in one test must not make the next test's own code (a service called directly) Spanish."""
    yield
    translation.deactivate()


@pytest.fixture
def member(db):
    return make_member()


@pytest.fixture
def other_member(db):
    return make_member()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
