from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import DirectMessagePolicy, User
from messaging.errors import MessagingDenied
from messaging.models import Conversation, ConversationParticipant, Message, Notification
from messaging.permissions import get_conversation_access_or_404
from messaging.services import conversations as services
from moderation.models import Block
from tests.factories import make_member, make_message, make_support_thread
from tests.messaging.conftest import make_group, post_as


@pytest.fixture
def group_pair(db, member, other_member):
    # Accounts older than KINDRED_MESSAGE_REQUEST_MIN_ACCOUNT_AGE, so their requests are not
    # filtered (tests/messaging/test_message_requests.py covers the filtered list).
    long_ago = timezone.now() - timedelta(days=60)
    User.objects.filter(pk__in=[member.pk, other_member.pk]).update(date_joined=long_ago)
    member.refresh_from_db()
    other_member.refresh_from_db()
    return make_group(members=[member, other_member])


def test_room_page_shows_latest_messages_to_members_by_pseudonym(
    client, group_pair, member, other_member
):
    room = services.get_or_create_group_room(group=group_pair)
    post_as(room, other_member, "hi *all*", "a")
    client.force_login(member)
    response = client.get(reverse("messaging:room", args=[group_pair.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "hi *all*" in page and other_member.profile.pseudonym in page
    assert other_member.email not in page and member.email not in page
    assert 'aria-live="polite"' in page
    assert "no-store" in response["Cache-Control"]


def test_non_member_gets_404_for_the_room(client, group_pair):
    client.force_login(make_member())
    assert client.get(reverse("messaging:room", args=[group_pair.slug])).status_code == 404


def test_send_form_without_scripts_keeps_the_text_and_shows_the_error(client, group_pair, member):
    room = services.get_or_create_group_room(group=group_pair)
    room.locked = True
    room.save(update_fields=["locked"])
    client.force_login(member)
    response = client.post(
        reverse("messaging:send", args=[room.pk]), {"body": "typed words", "client_id": "x"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "typed words" in page and "locked" in page
    room.locked = False
    room.save(update_fields=["locked"])
    response = client.post(
        reverse("messaging:send", args=[room.pk]), {"body": "now it works", "client_id": "y"}
    )
    assert response.status_code == 302
    assert Message.objects.filter(conversation=room, body="now it works").exists()


def _request(sender, recipient, body="hello"):
    return services.start_direct_conversation(
        sender=sender, recipient=recipient, body=body, client_id=body
    )


def test_first_direct_message_is_a_request_the_recipient_can_accept(
    client, group_pair, member, other_member
):
    client.force_login(member)
    response = client.post(
        reverse("messaging:direct_with", args=[other_member.profile.public_id]),
        {"body": "can we talk?", "client_id": "c1"},
    )
    assert response.status_code == 302
    conversation = Conversation.objects.get(kind=Conversation.Kind.DIRECT)
    with pytest.raises(MessagingDenied) as error:
        get_conversation_access_or_404(user=other_member, conversation_id=conversation.pk)
    assert error.value.code == "request_pending"
    assert Notification.objects.filter(recipient=other_member, kind="message_request").exists()
    client.force_login(other_member)
    page = client.get(reverse("messaging:requests")).content.decode()
    assert "can we talk?" in page and member.profile.pseudonym in page and member.email not in page
    response = client.post(
        reverse("messaging:answer_request", args=[conversation.pk]), {"answer": "accept"}
    )
    assert response.status_code == 302
    assert get_conversation_access_or_404(user=other_member, conversation_id=conversation.pk)
    thread = client.get(reverse("messaging:conversation", args=[conversation.pk]))
    assert "can we talk?" in thread.content.decode()


def test_declined_request_tells_the_sender_only_not_delivered(
    client, group_pair, member, other_member
):
    message = _request(member, other_member)
    services.answer_message_request(
        conversation_id=message.conversation_id, user=other_member, accept=False
    )
    with pytest.raises(MessagingDenied) as error:
        post_as(message.conversation, member, "again", "again")
    assert error.value.code == "not_delivered"
    client.force_login(member)
    page = client.get(reverse("messaging:conversation", args=[message.conversation_id]))
    text = page.content.decode()
    assert "Not delivered." in text and "declin" not in text.lower()


@pytest.mark.parametrize("reason", ["nobody", "advocates", "blocked", "no_shared_group"])
def test_who_may_message_me_and_blocks_stop_direct_messages(
    client, db, member, other_member, reason
):
    if reason != "no_shared_group":
        make_group(members=[member, other_member])
    if reason in ("nobody", "advocates"):
        other_member.profile.dm_policy = (
            DirectMessagePolicy.NOBODY if reason == "nobody" else DirectMessagePolicy.ADVOCATES
        )
        other_member.profile.save(update_fields=["dm_policy"])
    if reason == "blocked":
        Block.objects.create(owner=other_member, target=member, kind=Block.Kind.BLOCK)
    client.force_login(member)
    response = client.post(
        reverse("messaging:direct_with", args=[other_member.profile.public_id]),
        {"body": "my typed text", "client_id": "c"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    # Every refusal of a new request reads the same, whatever the reason (decision 0009).
    assert "You can&#x27;t message this person right now." in page and "my typed text" in page
    assert not Conversation.objects.filter(kind=Conversation.Kind.DIRECT).exists()


def test_blocking_after_accepting_stops_further_messages(group_pair, member, other_member):
    message = _request(member, other_member)
    services.answer_message_request(
        conversation_id=message.conversation_id, user=other_member, accept=True
    )
    Block.objects.create(owner=other_member, target=member, kind=Block.Kind.BLOCK)
    with pytest.raises(MessagingDenied) as error:
        post_as(message.conversation, member, "x", "x2")
    assert error.value.code == "not_delivered"


def test_support_handover_moves_access_to_the_new_advocate(db, member):
    first, second = make_member(), make_member()
    conversation = make_support_thread(member=member, advocate=first)
    post_as(conversation, member, "help", "h")
    services.set_support_advocate(conversation=conversation, advocate_id=second.pk)
    assert get_conversation_access_or_404(user=member, conversation_id=conversation.pk)
    assert get_conversation_access_or_404(user=second, conversation_id=conversation.pk)
    from django.http import Http404

    with pytest.raises(Http404):
        get_conversation_access_or_404(user=first, conversation_id=conversation.pk)


@pytest.mark.parametrize("count", [5, 50])
def test_inbox_queries_do_not_grow_with_threads(client, member, django_assert_num_queries, count):
    group = make_group()
    from tests.community.groups_helpers import add_member

    add_member(group=group, user=member)
    for _number in range(count):
        other = make_member()
        add_member(group=group, user=other)
        message = _request(other, member, body=f"hi {other.pk}")
        services.answer_message_request(
            conversation_id=message.conversation_id, user=member, accept=True
        )
    client.force_login(member)
    client.get(reverse("messaging:inbox"))
    # session, user, blocks and mutes (whose messages are never an excerpt), direct
    # conversations, their other members, support conversations, rooms' unread counts, the
    # viewer's groups, the last messages (time and excerpt, issue 13), request counts
    with django_assert_num_queries(10):
        response = client.get(reverse("messaging:inbox"))
    assert response.content.decode().count("<span data-unread-count>1</span> unread") == count


def test_notifications_page_lists_and_marks_read(client, member):
    from messaging.services.notifications import notify

    notify(recipient_id=member.pk, kind="test", text="A neutral notice", url="/")
    client.force_login(member)
    page = client.get(reverse("messaging:notifications")).content.decode()
    # Discreet by default: the list says "New activity"; what happened is one click away.
    assert "New activity" in page and "1 unread" in page
    assert "A neutral notice" not in page
    client.post(reverse("messaging:notifications"))
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()


def test_notifications_page_counts_every_unread_one_not_only_those_listed(client, member):
    Notification.objects.bulk_create(
        [Notification(recipient=member, kind="test", text=f"Notice {n}") for n in range(55)]
    )
    client.force_login(member)
    page = client.get(reverse("messaging:notifications")).content.decode()
    assert "55 unread" in page


def test_unread_counts_follow_the_read_marker(group_pair, member, other_member):
    from messaging.selectors.conversations import conversations_with_unread

    room = services.get_or_create_group_room(group=group_pair)
    first = post_as(room, other_member, "1", "1")
    post_as(room, other_member, "2", "2")
    access = get_conversation_access_or_404(user=member, conversation_id=room.pk)
    services.mark_conversation_read(access=access, user=member, seq=first.seq)
    [part] = conversations_with_unread(user_id=member.pk, kind=Conversation.Kind.ROOM)
    assert part.unread == 1
    assert ConversationParticipant.objects.get(user=member).last_read_seq == first.seq
    # A marker never moves back, nor past the end of the conversation.
    services.mark_conversation_read(access=access, user=member, seq=first.seq - 1)
    services.mark_conversation_read(access=access, user=member, seq=first.seq + 100)
    assert ConversationParticipant.objects.get(user=member).last_read_seq == first.seq + 1


def test_inbox_lists_the_rooms_of_my_groups_only(client, group_pair, member):
    other_group = make_group(name="Not mine", members=[make_member()])
    client.force_login(member)
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert reverse("messaging:room", args=[group_pair.slug]) in page
    assert other_group.slug not in page and "Not mine" not in page


@pytest.mark.parametrize("count", [5, 50])
def test_room_page_queries_do_not_grow_with_messages(
    client, member, django_assert_num_queries, count
):
    authors = [make_member() for _number in range(3)]
    group = make_group(members=[member, *authors])
    room = services.get_or_create_group_room(group=group)
    for number in range(count):
        make_message(
            conversation=room,
            sender=authors[number % 3],
            body=f"line {number}",
            client_id=f"q{number}",
        )
    client.force_login(member)
    client.get(reverse("messaging:room", args=[group.slug]))
    # Session, user, group and membership (a reader: member or site moderator), room, access
    # (room, membership, mute), the stream position, blocks, the page of messages, the
    # viewer's own reactions on it, the viewer's read marker ("new since your last visit"),
    # the viewer's profile, the mention candidates (blocks either way, the members), the
    # viewer's announcement preference, the call going on in the room: constant, whatever the
    # number of messages.
    with django_assert_num_queries(18):
        response = client.get(reverse("messaging:room", args=[group.slug]))
    assert response.content.decode().count('id="message-') == count


def test_newcomers_see_only_messages_since_joining_when_the_group_says_so(
    client, member, other_member
):
    from datetime import timedelta

    from community.models import Group, Membership

    group = make_group(members=[other_member], history_policy=Group.HistoryPolicy.SINCE_JOINING)
    room = services.get_or_create_group_room(group=group)
    post_as(room, other_member, "before you came", "old")
    Message.objects.filter(client_id="old").update(
        created_at=Message.objects.get(client_id="old").created_at - timedelta(minutes=5)
    )
    from tests.community.groups_helpers import add_member

    add_member(group=group, user=member)
    post_as(room, other_member, "after you came", "new")
    client.force_login(member)
    page = client.get(reverse("messaging:room", args=[group.slug])).content.decode()
    assert "after you came" in page and "before you came" not in page
    assert Membership.objects.get(user=member, group=group).joined_at is not None


def test_a_group_opens_with_its_room_and_looking_at_the_room_creates_nothing(client, member):
    from community.models import Group
    from community.services.groups import decide_group_proposal, propose_group

    staff = make_member(staff=True, mfa=True)
    group = propose_group(
        proposer=member,
        name="Proposed",
        description="d",
        rules="r",
        visibility=Group.Visibility.LISTED,
        join_policy=Group.JoinPolicy.OPEN,
        history_policy=Group.HistoryPolicy.EVERYTHING,
        tag_names=[],
    )
    assert not Conversation.objects.filter(group=group).exists()
    decide_group_proposal(actor=staff, group=group, approve=True)
    assert Conversation.objects.filter(group=group, kind=Conversation.Kind.ROOM).count() == 1
    client.force_login(member)
    assert client.get(reverse("messaging:room", args=[group.slug])).status_code == 200
    assert Conversation.objects.count() == 1


def test_the_sender_of_a_pending_request_sees_who_it_is_for(client, member, other_member):
    make_group(members=[member, other_member])
    message = _request(member, other_member)
    client.force_login(member)
    page = client.get(reverse("messaging:conversation", args=[message.conversation_id]))
    assert f"Messages with {other_member.profile.pseudonym}" in page.content.decode()
    assert "someone who left" not in page.content.decode()
