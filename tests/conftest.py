import pytest
from django.core.cache import cache
from django.utils import translation

from messaging.live_store import live_store
from tests.factories import make_member


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
