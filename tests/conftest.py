import pytest
from django.core.cache import cache

from tests.factories import make_member


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: every test starts with none used."""
    cache.clear()
    yield


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
