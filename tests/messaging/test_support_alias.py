"""A member who asked for support under a one-off alias appears by it alone in the thread:
never by pseudonym, public id or avatar, on the page or over the socket."""

import pytest
from channels.db import database_sync_to_async as db
from django.urls import reverse

from tests.factories import make_member, make_support_thread
from tests.messaging.conftest import join, open_socket, post_as, receive_until, send

pytestmark = pytest.mark.django_db(transaction=True)


def _aliased_thread(member, advocate):
    conversation = make_support_thread(member=member, advocate=advocate, alias="Fern Who Asked")
    post_as(conversation, member, "first words", "s1")
    return conversation


def _leaks(member, text: str) -> list[str]:
    profile = member.profile
    return [
        value
        for value in (profile.pseudonym, profile.public_id, profile.avatar_seed, member.email)
        if value in text
    ]


async def test_aliased_member_appears_by_alias_only_over_the_socket(member):
    advocate = await db(make_member)()
    conversation = await db(_aliased_thread)(member, advocate)
    watcher = await open_socket(advocate)
    history = await join(watcher, conversation.pk)
    assert history[0]["sender"]["pseudonym"] == "Fern Who Asked"
    writer = await open_socket(member)
    await join(writer, conversation.pk)
    await send(
        writer,
        {"type": "send", "conversation_id": conversation.pk, "client_id": "s2", "body": "more"},
    )
    live = await receive_until(watcher, "message")
    assert live["message"]["sender"]["pseudonym"] == "Fern Who Asked"
    assert await db(_leaks)(member, str(history) + str(live)) == []
    await writer.disconnect()
    await watcher.disconnect()


def test_aliased_member_appears_by_alias_only_on_the_page(client, member):
    advocate = make_member()
    conversation = _aliased_thread(member, advocate)
    client.force_login(advocate)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert "Fern Who Asked" in page and "first words" in page
    assert _leaks(member, page) == []
