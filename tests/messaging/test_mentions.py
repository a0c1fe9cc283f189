"""@mentions in rooms (issue 12): resolved against the room's members the writer may reach,
carried on every message object, told once to each mentioned member, offered to the composer,
and not taken for social-media handles by "before you send"."""

import pytest
from channels.db import database_sync_to_async as db
from django.urls import reverse

from community.models import Membership
from messaging.models import (
    Mention,
    Message,
    Notification,
    NotificationPreferences,
)
from messaging.services.conversations import get_or_create_group_room
from moderation.models import Block
from tests.factories import make_member, make_message, make_support_thread
from tests.messaging.conftest import (
    add_member,
    frames_until,
    join,
    make_direct_between,
    make_group,
    open_socket,
    receive,
    receive_until,
    send,
    send_frame,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(transactional_db):
    """A room with a writer and three readers who have each written there (only members who
    showed themselves in the room can be mentioned), one pseudonym the start of another."""
    writer = make_member(pseudonym="Steady Heron")
    river = make_member(pseudonym="Quiet River")
    riverbank = make_member(pseudonym="Quiet River Bank")
    otter = make_member(pseudonym="BraveOtter12")
    group = make_group(members=[writer, river, riverbank, otter])
    room = get_or_create_group_room(group=group)
    for reader in (river, riverbank, otter):
        make_message(conversation=room, sender=reader, body="hello")
    return {
        "writer": writer,
        "river": river,
        "riverbank": riverbank,
        "otter": otter,
        "group": group,
        "room": room,
    }


def _notified(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="mention"))


async def _send_in_room(people, body: str, client_id: str = "c1", **extra) -> dict:
    """Sends as the writer over a real socket; returns the writer's copy of the message."""
    socket = await open_socket(people["writer"])
    await join(socket, people["room"].pk)
    await send(socket, send_frame(people["room"], client_id, body, **extra))
    # The order of the ack and the writer's own copy is not fixed (docs/protocol.md).
    seen = {}
    while len(seen) < 2:
        frame = await receive(socket)
        if frame["type"] in ("ack", "message"):
            seen[frame["type"]] = frame
    await socket.disconnect()
    return seen["message"]["message"]


async def test_a_mention_resolves_is_on_the_frame_and_notifies_the_member(people):
    otter = people["otter"]
    reader = await open_socket(otter)
    await join(reader, people["room"].pk)
    message = await _send_in_room(people, "thanks @BraveOtter12, that helped")
    assert message["mentions"] == [otter.profile.public_id]
    live = await receive_until(reader, "message")
    assert live["message"]["mentions"] == [otter.profile.public_id]
    notice = await receive_until(reader, "notification")
    # Discreet by default: the bell says nothing of who or what.
    assert notice["notification"]["text"] == "New activity"
    await reader.disconnect()
    [notification] = await db(_notified)(otter)
    room_url = reverse("messaging:room", args=[people["group"].slug])
    assert notification.url == f"{room_url}#message-{message['id']}"
    assert "Steady Heron" in notification.text
    assert await db(_notified)(people["river"]) == []


async def test_mentions_are_case_insensitive_and_take_the_longest_pseudonym(people):
    message = await _send_in_room(people, "@quiet river bank and @QUIET RIVER, hello")
    assert message["mentions"] == [
        people["riverbank"].profile.public_id,
        people["river"].profile.public_id,
    ]
    assert len(await db(_notified)(people["riverbank"])) == 1
    assert len(await db(_notified)(people["river"])) == 1


async def test_history_and_the_join_page_carry_mentions(people):
    await _send_in_room(people, "hi @BraveOtter12")
    socket = await open_socket(people["river"])
    *_earlier, message = await join(socket, people["room"].pk)
    assert message["mentions"] == [people["otter"].profile.public_id]
    assert [earlier["mentions"] for earlier in _earlier] == [[], [], []]
    await send(socket, {"type": "history", "conversation_id": people["room"].pk, "before_seq": 9})
    page = await receive_until(socket, "messages")
    assert page["messages"][-1]["mentions"] == [people["otter"].profile.public_id]
    await socket.disconnect()


async def test_a_message_without_mentions_carries_an_empty_list(people):
    message = await _send_in_room(people, "hello everyone")
    assert message["mentions"] == []


@pytest.mark.parametrize("owner_is_writer", [True, False])
@pytest.mark.parametrize("kind", [Block.Kind.BLOCK, Block.Kind.MUTE])
async def test_a_block_either_way_keeps_a_member_from_being_mentioned(
    people, owner_is_writer, kind
):
    writer, otter = people["writer"], people["otter"]
    owner, target = (writer, otter) if owner_is_writer else (otter, writer)
    await db(Block.objects.create)(owner=owner, target=target, kind=kind)
    socket = await open_socket(writer)
    await send(socket, {"type": "join", "conversation_id": people["room"].pk})
    joined = await receive_until(socket, "joined")
    assert otter.profile.public_id not in [m["public_id"] for m in joined["mention_candidates"]]
    await socket.disconnect()
    message = await _send_in_room(people, "@BraveOtter12 hi", confirm=True)
    assert message["mentions"] == []
    assert await db(_notified)(otter) == []
    assert not await db(Mention.objects.exists)()


async def test_non_members_banned_members_and_the_writer_are_never_mentioned(people):
    stranger = await db(make_member)(pseudonym="Lonely Finch")
    await db(add_member)(group=people["group"], user=people["otter"], state=Membership.State.BANNED)
    message = await _send_in_room(people, "@Lonely Finch @BraveOtter12 @Steady Heron", confirm=True)
    assert message["mentions"] == []
    assert await db(Notification.objects.filter(kind="mention").count)() == 0
    assert stranger.pk  # outside the group: never resolved


async def test_a_member_who_never_wrote_in_the_room_is_neither_offered_nor_resolved(people):
    """The group's member list stays unshown: neither the suggestions nor a mention that
    comes back resolved may tell the writer that someone belongs."""
    lurker = await db(make_member)(pseudonym="Silent Fern")
    await db(add_member)(group=people["group"], user=lurker)
    socket = await open_socket(people["writer"])
    await send(socket, {"type": "join", "conversation_id": people["room"].pk})
    joined = await receive_until(socket, "joined")
    await socket.disconnect()
    assert "Silent Fern" not in [m["pseudonym"] for m in joined["mention_candidates"]]
    message = await _send_in_room(people, "@Silent Fern are you here?", confirm=True)
    assert message["mentions"] == []
    assert await db(_notified)(lurker) == []
    await db(make_message)(conversation=people["room"], sender=lurker, body="I am")
    message = await _send_in_room(people, "@Silent Fern welcome", client_id="c2")
    assert message["mentions"] == [lurker.profile.public_id]


async def test_a_member_who_turned_mentions_off_is_mentioned_but_not_notified(people):
    otter = people["otter"]
    await db(NotificationPreferences.objects.create)(user=otter, mentions=False)
    message = await _send_in_room(people, "@BraveOtter12 look")
    assert message["mentions"] == [otter.profile.public_id]
    assert await db(_notified)(otter) == []


async def test_an_edit_that_adds_a_mention_notifies_only_the_new_one(people):
    river, otter = people["river"], people["otter"]
    socket = await open_socket(people["writer"])
    await join(socket, people["room"].pk)
    await send(socket, send_frame(people["room"], "e1", "hi @BraveOtter12"))
    message = (await receive_until(socket, "message"))["message"]
    await send(
        socket,
        {"type": "edit", "message_id": message["id"], "body": "hi @BraveOtter12 and @Quiet River"},
    )
    updated = await receive_until(socket, "message.updated")
    assert updated["message"]["mentions"] == [otter.profile.public_id, river.profile.public_id]
    # Dropping a mention and adding it back tells nobody twice.
    await send(socket, {"type": "edit", "message_id": message["id"], "body": "hi all"})
    assert (await receive_until(socket, "message.updated"))["message"]["mentions"] == []
    await send(
        socket,
        {"type": "edit", "message_id": message["id"], "body": "hi @braveotter12 @quiet river"},
    )
    await receive_until(socket, "message.updated")
    await socket.disconnect()
    assert len(await db(_notified)(otter)) == 1
    assert len(await db(_notified)(river)) == 1


async def test_a_deleted_message_keeps_no_mentions_on_its_tombstone(people):
    socket = await open_socket(people["writer"])
    await join(socket, people["room"].pk)
    await send(socket, send_frame(people["room"], "d1", "hi @BraveOtter12"))
    message = (await receive_until(socket, "message"))["message"]
    await send(socket, {"type": "delete", "message_id": message["id"]})
    tombstone = await receive_until(socket, "message.updated")
    assert tombstone["message"]["deleted"] and tombstone["message"]["mentions"] == []
    await socket.disconnect()


@pytest.mark.parametrize("kind", ["direct", "support"])
async def test_direct_and_support_threads_never_resolve_mentions(people, kind):
    writer, otter = people["writer"], people["otter"]
    if kind == "direct":
        conversation = await db(make_direct_between)(writer, otter)
    else:
        conversation = await db(make_support_thread)(member=writer, advocate=otter)
    socket = await open_socket(writer)
    await send(socket, {"type": "join", "conversation_id": conversation.pk})
    joined = await receive_until(socket, "joined")
    assert joined["mention_candidates"] == []
    await receive_until(socket, "messages")
    await send(socket, send_frame(conversation, "x", "@BraveOtter12 hi", confirm=True))
    assert (await receive_until(socket, "message"))["message"]["mentions"] == []
    await socket.disconnect()
    assert await db(_notified)(otter) == []
    assert await db(Message.objects.filter(mentions__isnull=False).count)() == 0


async def test_the_joined_frame_offers_the_candidates_sorted_without_the_writer(people):
    socket = await open_socket(people["writer"])
    await send(socket, {"type": "join", "conversation_id": people["room"].pk})
    joined = await receive_until(socket, "joined")
    await socket.disconnect()
    assert joined["mention_candidates"] == [
        {"public_id": people[key].profile.public_id, "pseudonym": people[key].profile.pseudonym}
        for key in ("otter", "river", "riverbank")
    ]


def test_the_room_page_offers_the_candidates_and_the_announcement_preference(client, people):
    client.force_login(people["writer"])
    NotificationPreferences.objects.create(user=people["writer"], chat_announcements="mentions")
    response = client.get(reverse("messaging:room", args=[people["group"].slug]))
    assert response.context["mention_candidates"] == [
        {"public_id": people[key].profile.public_id, "pseudonym": people[key].profile.pseudonym}
        for key in ("otter", "river", "riverbank")
    ]
    assert response.context["announcements"] == "mentions"
    page = response.content.decode()
    assert 'id="chat-mention-candidates"' in page and "Quiet River Bank" in page
    assert page.index('id="chat-mention-candidates"') < page.index("js/chat.js")


def test_a_direct_page_offers_no_candidates(client, people):
    conversation = make_direct_between(people["writer"], people["otter"])
    client.force_login(people["writer"])
    response = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    assert response.context["mention_candidates"] == []
    assert response.context["announcements"] == "all"


async def test_before_you_send_takes_a_members_pseudonym_for_a_mention_not_a_handle(people):
    socket = await open_socket(people["writer"])
    await join(socket, people["room"].pk)
    await send(socket, send_frame(people["room"], "h1", "@Quiet River Bank said hi"))
    assert (await receive_until(socket, "ack"))["client_id"] == "h1"
    await send(socket, send_frame(people["room"], "h2", "find me at @someone_else"))
    frames = await frames_until(socket, "error")
    assert frames[-1]["code"] == "identity_warning" and frames[-1]["kinds"] == ["handle"]
    assert not any(frame.get("client_id") == "h2" for frame in frames[:-1])
    await socket.disconnect()


def test_the_no_script_form_mentions_and_exempts_members_pseudonyms(client, people):
    client.force_login(people["writer"])
    url = reverse("messaging:send", args=[people["room"].pk])
    response = client.post(url, {"body": "@braveotter12 hi", "client_id": "p1"})
    assert response.status_code == 302
    message = Message.objects.get(client_id="p1")
    assert message.mentions == [people["otter"].profile.public_id]
    assert len(_notified(people["otter"])) == 1
    held = client.post(url, {"body": "I am @realname_42 elsewhere", "client_id": "p2"})
    assert held.status_code == 200 and not Message.objects.filter(client_id="p2").exists()
    assert "social-media handle" in held.content.decode()
