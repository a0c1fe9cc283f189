"""A sanction through a post reaches the author's open sockets at once, named or anonymous."""

import pytest
from channels.db import database_sync_to_async as db
from django.test import Client
from django.urls import reverse

from community.models import Post
from tests.messaging.conftest import drain, join, open_socket, receive_until, send
from tests.moderation.conftest import build_scene

pytestmark = pytest.mark.django_db(transaction=True)


def _moderate(actor, post, action: str) -> int:
    client = Client()
    client.force_login(actor)
    if action == "mute_author":  # through its confirmation page
        url = reverse("moderation:post_sanction", args=[post.group.slug, post.pk, "mute"])
        return client.post(url, {"reason": ""}).status_code
    url = reverse("moderation:post_moderate", args=[post.group.slug, post.pk])
    return client.post(url, {"action": action, "confirmed": "1"}).status_code


@pytest.mark.parametrize("anonymous", [True, False], ids=["anonymous", "named"])
async def test_a_mute_through_a_post_refuses_the_authors_next_room_message_at_once(
    transactional_db, anonymous
):
    scene = await db(build_scene)()
    post = await db(Post.objects.create)(
        group=scene.group, author=scene.author, body="hurtful words", is_anonymous=anonymous
    )
    author = await open_socket(scene.author)
    await join(author, scene.room.pk)
    await drain(author)

    assert await db(_moderate)(scene.moderator, post, "mute_author") == 302

    # The open socket is told at once, without a reconnect, and refuses the next message.
    updated = await receive_until(author, "access.updated")
    assert updated["muted_until"]
    await send(
        author,
        {"type": "send", "conversation_id": scene.room.pk, "client_id": "p1", "body": "hello?"},
    )
    error = await receive_until(author, "error")
    assert (error["code"], error["client_id"]) == ("muted", "p1")
    await author.disconnect()
