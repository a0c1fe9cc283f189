"""The inbox as a list that scans (issue 13): each conversation with its last message's time
and a short excerpt, its unread count, newest activity first; tombstones and blocked or muted
authors follow the rule every other page follows."""

import datetime
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Group
from messaging.models import Message
from messaging.services.conversations import get_or_create_group_room
from moderation.models import Block
from tests.community.groups_helpers import add_member
from tests.factories import make_member, make_message, make_support_thread
from tests.messaging.conftest import make_direct_between, make_group

pytestmark = pytest.mark.django_db


def _inbox(client) -> str:
    return client.get(reverse("messaging:inbox")).content.decode()


def _item(page: str, conversation_id: int) -> str:
    start = page.index(f'data-conversation-id="{conversation_id}"')
    return page[start : page.index("</li>", start)]


def test_each_direct_conversation_shows_last_message_time_excerpt_and_unread(client, member):
    friend = make_member(pseudonym="Heron")
    direct = make_direct_between(member, friend)
    make_message(conversation=direct, sender=friend, body="First")
    last = make_message(
        conversation=direct, sender=friend, body="Are you\n free   at six? " + "long " * 40
    )
    client.force_login(member)
    item = _item(_inbox(client), direct.pk)
    assert "Heron" in item
    assert "Are you free at six? long" in item and item.count("long") < 40 and "…" in item
    utc = last.created_at.astimezone(datetime.UTC).replace(microsecond=0)
    assert f'datetime="{utc.isoformat().replace("+00:00", "Z")}"' in item
    assert "<span data-unread-count>2</span> unread" in item


def test_own_last_message_reads_you_and_escapes_markup(client, member):
    friend = make_member()
    direct = make_direct_between(member, friend)
    make_message(conversation=direct, sender=member, body="<b>See</b> you")
    client.force_login(member)
    item = _item(_inbox(client), direct.pk)
    assert "You: &lt;b&gt;See&lt;/b&gt; you" in item
    assert "<span data-unread-count>0</span>" in item and "data-unread hidden" in item


def test_a_deleted_or_hidden_last_message_never_shows_its_text(client, member):
    friend, other = make_member(), make_member()
    deleted = make_direct_between(member, friend)
    make_message(conversation=deleted, sender=friend, body="Regret this")
    Message.objects.filter(conversation=deleted).update(deleted_at=timezone.now())
    hidden = make_direct_between(member, other)
    make_message(conversation=hidden, sender=other, body="Abusive words")
    Message.objects.filter(conversation=hidden).update(hidden_at=timezone.now())
    client.force_login(member)
    page = _inbox(client)
    assert "Regret this" not in page and "Abusive words" not in page
    assert "This message was deleted." in _item(page, deleted.pk)
    assert "This message was hidden by a moderator." in _item(page, hidden.pk)


def test_a_content_warning_stands_in_for_the_text(client, member):
    friend = make_member()
    direct = make_direct_between(member, friend)
    message = make_message(conversation=direct, sender=friend, body="Graphic details")
    Message.objects.filter(pk=message.pk).update(content_warning="what he said")
    client.force_login(member)
    item = _item(_inbox(client), direct.pk)
    assert "Graphic details" not in item and "Content warning: what he said" in item


def test_a_blocked_members_messages_are_never_the_excerpt(client, member):
    blocked = make_member(pseudonym="Pest")
    direct = make_direct_between(member, blocked)
    make_message(conversation=direct, sender=member, body="Please stop")
    make_message(conversation=direct, sender=blocked, body="Insult after the block")
    group = make_group(members=[member, blocked])
    room = get_or_create_group_room(group=group)
    make_message(conversation=room, sender=member, body="Hello room")
    make_message(conversation=room, sender=blocked, body="Room insult")
    Block.objects.create(owner=member, target=blocked, kind=Block.Kind.MUTE)
    client.force_login(member)
    page = _inbox(client)
    assert "Insult after the block" not in page and "Room insult" not in page
    assert "You: Please stop" in _item(page, direct.pk)
    assert "You: Hello room" in _item(page, room.pk)


def test_room_excerpts_respect_a_since_joining_history(client, member):
    old_timer = make_member()
    group = make_group(
        members=[old_timer], history_policy=Group.HistoryPolicy.SINCE_JOINING, name="Late"
    )
    room = get_or_create_group_room(group=group)
    make_message(conversation=room, sender=old_timer, body="Before you came")
    add_member(group=group, user=member, joined_at=timezone.now() + timedelta(seconds=1))
    client.force_login(member)
    item = _item(_inbox(client), room.pk)
    assert "Before you came" not in item and "No messages yet." in item


def test_conversations_are_sorted_by_last_activity(client, member):
    first, second, third = (make_member(pseudonym=name) for name in ("Ant", "Bee", "Cat"))
    conversations = [make_direct_between(member, other) for other in (first, second, third)]
    for conversation, sender in zip(conversations, (first, second, third), strict=True):
        make_message(conversation=conversation, sender=sender, body="hi")
    # Bee writes again: Bee first, then Cat, then Ant.
    make_message(conversation=conversations[1], sender=second, body="again")
    client.force_login(member)
    page = _inbox(client)
    assert page.index("Bee") < page.index("Cat") < page.index("Ant")
    quiet = make_group(members=[member], name="Quiet group")
    busy = make_group(members=[member], name="Zebra group")
    get_or_create_group_room(group=quiet)
    make_message(conversation=get_or_create_group_room(group=busy), sender=member, body="x")
    page = _inbox(client)
    assert page.index("Zebra group") < page.index("Quiet group")  # not by name


def test_support_conversations_show_their_last_message(client, member):
    advocate = make_member(pseudonym="Advocate")
    conversation = make_support_thread(member=member, advocate=advocate)
    make_message(conversation=conversation, sender=advocate, body="How can I help?")
    client.force_login(member)
    item = _item(_inbox(client), conversation.pk)
    assert "Support conversation 1" in item and "How can I help?" in item


@pytest.mark.parametrize("count", [2, 12])
def test_inbox_queries_stay_fixed_with_excerpts(client, member, django_assert_num_queries, count):
    group = make_group(members=[member])
    room = get_or_create_group_room(group=group)
    for number in range(count):
        other = make_member()
        add_member(group=group, user=other)
        direct = make_direct_between(member, other)
        make_message(conversation=direct, sender=other, body=f"direct {number}")
        make_message(conversation=room, sender=other, body=f"room {number}")
        support = make_support_thread(member=member, advocate=other)
        make_message(conversation=support, sender=other, body=f"support {number}")
    Block.objects.create(owner=member, target=make_member(), kind=Block.Kind.BLOCK)
    client.force_login(member)
    client.get(reverse("messaging:inbox"))
    # session, user, blocks and mutes, direct conversations, their other members, support
    # conversations, rooms' unread counts, the viewer's groups, the last messages, requests
    with django_assert_num_queries(10):
        page = _inbox(client)
    assert page.count("list-item-excerpt") == 2 * count + 1
    assert f"room {count - 1}" in page
