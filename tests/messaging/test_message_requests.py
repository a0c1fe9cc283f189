"""Message requests that cannot be used to reach someone (docs/decisions/0009): requests from
new accounts or from people who share no group wait in a filtered list, or are refused by the
recipient's setting; Decline, Decline and block, Report, Decline all; a declined sender waits
30 days; "who may message me: nobody" also closes accepted conversations, page and socket."""

import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async as db
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import DirectMessagePolicy, Profile, UnfamiliarRequestPolicy, User
from messaging.errors import MessagingDenied
from messaging.models import Conversation, ConversationParticipant, Message, Notification
from messaging.permissions import get_conversation_access_or_404
from messaging.services import conversations as services
from moderation.models import Block, Flag
from tests.community.advocates_helpers import make_advocate
from tests.factories import make_member
from tests.messaging.conftest import join, make_group, open_socket, receive_until, send

CANNOT = "You can&#x27;t message this person right now."


def aged(user, days: int = 60):
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days))
    user.refresh_from_db()
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def write_to(sender, recipient, body="hello", client_id=None) -> Client:
    client = signed_in(sender)
    response = client.post(
        reverse("messaging:direct_with", args=[recipient.profile.public_id]),
        {"body": body, "client_id": client_id or body},
    )
    client.last_response = response
    return client


def part_of(user) -> ConversationParticipant:
    return ConversationParticipant.objects.get(user=user, conversation__kind="direct")


@pytest.fixture
def recipient(db):
    return aged(make_member(pseudonym="QuietHeron"))


@pytest.fixture
def known_sender(db, recipient):
    sender = aged(make_member(pseudonym="OldFriend"))
    make_group(members=[sender, recipient])
    return sender


@pytest.fixture
def new_sender(db, recipient):
    """An account made yesterday, in a group with the recipient."""
    sender = aged(make_member(pseudonym="FreshFace"), days=1)
    make_group(name="Shared", members=[sender, recipient])
    return sender


# Filtered or refused


def test_a_request_from_a_known_member_lands_in_the_requests_list_with_a_notice(
    recipient, known_sender
):
    write_to(known_sender, recipient, "hello there")
    assert part_of(recipient).filtered is False
    assert Notification.objects.filter(recipient=recipient, kind="message_request").exists()
    page = signed_in(recipient).get(reverse("messaging:requests")).content.decode()
    assert "hello there" in page and "OldFriend" in page
    assert "Filtered requests (0)" in page


def test_a_request_from_a_new_account_waits_in_the_filtered_list_without_a_notice(
    recipient, new_sender
):
    sent = write_to(new_sender, recipient, "hi from a new account").last_response
    assert sent.status_code == 302  # the sender is told nothing different
    assert part_of(recipient).filtered is True
    assert not Notification.objects.filter(recipient=recipient).exists()
    client = signed_in(recipient)
    main = client.get(reverse("messaging:requests")).content.decode()
    assert "hi from a new account" not in main and "Filtered requests (1)" in main
    filtered = client.get(reverse("messaging:filtered_requests")).content.decode()
    assert "hi from a new account" in filtered and "FreshFace" in filtered
    for action in ("Accept", "Decline", "Decline and block", "Report"):
        assert action in filtered


def test_a_verified_advocate_sharing_no_group_is_filtered(recipient, settings):
    advocate = aged(make_advocate())
    write_to(advocate, recipient, "an advocate writes")
    assert part_of(recipient).filtered is True


def test_the_minimum_account_age_is_a_setting(recipient, new_sender, settings):
    settings.KINDRED_MESSAGE_REQUEST_MIN_ACCOUNT_AGE = timedelta(hours=1)
    write_to(new_sender, recipient)
    assert part_of(recipient).filtered is False


def test_refuse_turns_unfamiliar_requests_away_with_the_same_answer_as_any_refusal(
    recipient, new_sender, known_sender
):
    Profile.objects.filter(user=recipient).update(
        unfamiliar_requests=UnfamiliarRequestPolicy.REFUSE
    )
    refused = write_to(new_sender, recipient, "let me in").last_response
    assert refused.status_code == 400
    assert CANNOT in refused.content.decode() and "let me in" in refused.content.decode()
    assert not Conversation.objects.filter(kind="direct").exists()
    # A blocked sender reads exactly the same.
    blocked = aged(make_member())
    make_group(name="Other", members=[blocked, recipient])
    Block.objects.create(owner=recipient, target=blocked, kind=Block.Kind.BLOCK)
    assert CANNOT in write_to(blocked, recipient, "me too").last_response.content.decode()
    # A familiar sender still gets through.
    assert write_to(known_sender, recipient).last_response.status_code == 302


def test_the_setting_is_on_the_profile_form(recipient):
    client = signed_in(recipient)
    page = client.get(reverse("profile_edit")).content.decode()
    assert 'name="unfamiliar_requests"' in page
    client.post(
        reverse("profile_edit"),
        {
            "pseudonym": "QuietHeron",
            "pronouns": "",
            "bio": "",
            "dm_policy": DirectMessagePolicy.GROUP_MEMBERS,
            "unfamiliar_requests": UnfamiliarRequestPolicy.REFUSE,
        },
    )
    assert Profile.objects.get(user=recipient).unfamiliar_requests == "refuse"


# Decline, decline and block, report, decline all


def test_decline_and_block_declines_and_blocks_and_the_sender_sees_only_not_delivered(
    recipient, new_sender
):
    sender_client = write_to(new_sender, recipient, "first")
    conversation = Conversation.objects.get(kind="direct")
    client = signed_in(recipient)

    url = reverse("moderation:decline_and_block_request", args=[conversation.pk])
    asked = client.post(url, {"next": reverse("messaging:filtered_requests")})
    assert asked.status_code == 200 and "Decline this request and block its sender?" in (
        asked.content.decode()
    )
    assert part_of(recipient).state == "requested" and not Block.objects.exists()
    response = client.post(url, {"next": reverse("messaging:filtered_requests"), "confirmed": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:filtered_requests")
    assert part_of(recipient).state == "declined"
    assert Block.objects.filter(owner=recipient, target=new_sender, kind="block").exists()
    page = sender_client.get(reverse("messaging:conversation", args=[conversation.pk]))
    text = page.content.decode()
    # Every conversation page carries its message menu's "Block or mute this member" label;
    # beyond it, nothing on the page says "block".
    shown = re.sub(r'data-(can-)?block="[^"]*"', "", text)
    assert "Not delivered." in text and "block" not in shown.lower()
    # Only the request's recipient can do it, once.
    assert (
        client.post(
            reverse("moderation:decline_and_block_request", args=[conversation.pk])
        ).status_code
        == 404
    )
    stranger = signed_in(make_member())
    assert (
        stranger.post(
            reverse("moderation:decline_and_block_request", args=[conversation.pk])
        ).status_code
        == 404
    )


def test_report_opens_the_moderation_flag_form_for_the_request(recipient, new_sender):
    write_to(new_sender, recipient, "creepy opener")
    message = Message.objects.get(body="creepy opener")
    client = signed_in(recipient)
    page = client.get(reverse("messaging:filtered_requests")).content.decode()
    flag_url = reverse("moderation:flag", args=["message", message.pk])
    assert flag_url in page

    response = client.post(flag_url, {"reason": "harassment", "details": "unwanted"})

    assert response.status_code == 302
    flag = Flag.objects.get()
    assert flag.flagger_id == recipient.pk


def test_decline_all_declines_one_list_at_once(recipient, known_sender):
    new_ones = [aged(make_member(), days=2) for _ in range(3)]
    for number, sender in enumerate(new_ones):
        make_group(name=f"G{number}", members=[sender, recipient])
        write_to(sender, recipient, f"new {number}")
    write_to(known_sender, recipient, "known")
    client = signed_in(recipient)

    response = client.post(
        reverse("messaging:decline_all_requests"),
        {"list": "filtered", "confirmed": "1"},
        follow=True,
    )

    assert "Declined 3 requests." in response.content.decode()
    states = dict(
        ConversationParticipant.objects.filter(user=recipient).values_list("filtered", "state")
    )
    assert states == {True: "declined", False: "requested"}
    assert ConversationParticipant.objects.filter(user=recipient, state="declined").count() == 3
    again = client.post(
        reverse("messaging:decline_all_requests"),
        {"list": "filtered", "confirmed": "1"},
        follow=True,
    )
    assert "There was no request to decline." in again.content.decode()


def test_requests_pages_keep_a_fixed_number_of_queries(recipient, django_assert_num_queries):
    client = signed_in(recipient)

    def add_requests(count):
        for _ in range(count):
            sender = aged(make_member(), days=1)
            make_group(name=f"Q{sender.pk}", members=[sender, recipient])
            write_to(sender, recipient, f"hi {sender.pk}")

    add_requests(2)
    # Session, account, requests, senders, previews, the two lists' counts.
    with django_assert_num_queries(6):
        client.get(reverse("messaging:filtered_requests"))
    add_requests(5)
    with django_assert_num_queries(6):
        page = client.get(reverse("messaging:filtered_requests")).content.decode()
    assert page.count('class="card"') == 7


# Asking again


def test_a_declined_sender_cannot_ask_again_for_30_days_and_may_after(recipient, known_sender):
    write_to(known_sender, recipient, "first try")
    conversation = Conversation.objects.get(kind="direct")
    services.answer_message_request(conversation_id=conversation.pk, user=recipient, accept=False)

    again = write_to(known_sender, recipient, "second try")
    response = again.last_response
    assert response.status_code == 400
    text = response.content.decode()
    assert CANNOT in text and "declined" not in text.lower() and "30 days" not in text
    assert not Message.objects.filter(body="second try").exists()
    # The profile's "Message" link offers the form again rather than the dead thread.
    assert (
        again.get(reverse("messaging:direct_with", args=[recipient.profile.public_id])).status_code
        == 200
    )

    ConversationParticipant.objects.filter(user=recipient).update(
        declined_at=timezone.now() - timedelta(days=31)
    )
    later = write_to(known_sender, recipient, "a month later")
    assert later.last_response.status_code == 302
    part = part_of(recipient)
    assert part.state == "requested" and part.declined_at is None
    page = signed_in(recipient).get(reverse("messaging:requests")).content.decode()
    assert "a month later" in page and "first try" not in page


def test_the_cooldown_is_a_setting(recipient, known_sender, settings):
    settings.KINDRED_MESSAGE_REQUEST_COOLDOWN = timedelta(days=2)
    write_to(known_sender, recipient, "first")
    services.answer_message_request(
        conversation_id=Conversation.objects.get().pk, user=recipient, accept=False
    )
    ConversationParticipant.objects.filter(user=recipient).update(
        declined_at=timezone.now() - timedelta(days=3)
    )
    assert write_to(known_sender, recipient, "again").last_response.status_code == 302


def test_a_blocked_sender_cannot_ask_again_even_after_the_cooldown(recipient, known_sender):
    write_to(known_sender, recipient, "first")
    conversation = Conversation.objects.get()
    signed_in(recipient).post(
        reverse("moderation:decline_and_block_request", args=[conversation.pk]),
        {"confirmed": "1"},
    )
    ConversationParticipant.objects.filter(user=recipient).update(
        declined_at=timezone.now() - timedelta(days=31)
    )
    response = write_to(known_sender, recipient, "again").last_response
    assert response.status_code == 400 and CANNOT in response.content.decode()
    assert part_of(recipient).state == "declined"


# "Who may message me: nobody" closes accepted conversations


@pytest.fixture
def accepted(recipient, known_sender):
    write_to(known_sender, recipient, "hello")
    conversation = Conversation.objects.get(kind="direct")
    services.answer_message_request(conversation_id=conversation.pk, user=recipient, accept=True)
    return conversation


def test_nobody_closes_an_accepted_conversation_to_the_other_on_the_page(
    recipient, known_sender, accepted
):
    Profile.objects.filter(user=recipient).update(dm_policy=DirectMessagePolicy.NOBODY)
    client = signed_in(known_sender)

    response = client.post(
        reverse("messaging:send", args=[accepted.pk]), {"body": "still there?", "client_id": "x"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "This person is not taking new messages right now." in page
    assert "still there?" in page  # the text is kept
    # The conversation page says so before anyone writes.
    notice = client.get(reverse("messaging:conversation", args=[accepted.pk])).content.decode()
    assert "This person is not taking new messages right now." in notice
    assert not Message.objects.filter(body="still there?").exists()
    # The member who closed it may still write.
    access = get_conversation_access_or_404(user=recipient, conversation_id=accepted.pk)
    services.post_message(access=access, sender=recipient, body="bye for now", client_id="b")
    # Open again: messages flow again.
    Profile.objects.filter(user=recipient).update(dm_policy=DirectMessagePolicy.GROUP_MEMBERS)
    access = get_conversation_access_or_404(user=known_sender, conversation_id=accepted.pk)
    services.post_message(access=access, sender=known_sender, body="ok", client_id="ok")


def test_nobody_refuses_the_service_call_with_its_code(recipient, known_sender, accepted):
    Profile.objects.filter(user=recipient).update(dm_policy=DirectMessagePolicy.NOBODY)
    access = get_conversation_access_or_404(user=known_sender, conversation_id=accepted.pk)
    with pytest.raises(MessagingDenied) as error:
        services.post_message(access=access, sender=known_sender, body="x", client_id="x")
    assert error.value.code == "messages_closed"


@pytest.mark.django_db(transaction=True)
async def test_nobody_closes_an_accepted_conversation_over_the_socket_at_once(
    recipient, known_sender, accepted
):
    socket = await open_socket(known_sender)
    await join(socket, accepted.pk)
    await send(
        socket, {"type": "send", "conversation_id": accepted.pk, "client_id": "a", "body": "one"}
    )
    assert (await receive_until(socket, "ack"))["client_id"] == "a"

    await db(Profile.objects.filter(user=recipient).update)(dm_policy=DirectMessagePolicy.NOBODY)
    await send(
        socket, {"type": "send", "conversation_id": accepted.pk, "client_id": "b", "body": "two"}
    )

    error = await receive_until(socket, "error")
    assert error["code"] == "messages_closed"
    assert error["message"] == "This person is not taking new messages right now."
    assert not await db(Message.objects.filter(body="two").exists)()
    await socket.disconnect()


def _request_notice(recipient) -> Notification:
    return Notification.objects.get(recipient=recipient, kind="message_request")


def test_answering_a_request_clears_its_notice(recipient, known_sender):
    """Issue 13 defect 8: the notice stayed "New" after the request it announced was accepted."""
    write_to(known_sender, recipient, "hello there")
    assert _request_notice(recipient).read_at is None
    conversation = part_of(recipient).conversation
    signed_in(recipient).post(
        reverse("messaging:answer_request", args=[conversation.pk]), {"answer": "accept"}
    )
    assert _request_notice(recipient).read_at is not None


def test_a_notice_stays_new_while_another_request_waits(recipient, known_sender):
    other = aged(make_member(pseudonym="SecondFriend"))
    make_group(name="Second", members=[other, recipient])
    write_to(known_sender, recipient, "first")
    write_to(other, recipient, "second")
    first = ConversationParticipant.objects.filter(user=recipient).order_by("pk").first()
    signed_in(recipient).post(
        reverse("messaging:answer_request", args=[first.conversation_id]),
        {"answer": "decline", "confirmed": "1"},
    )
    notices = Notification.objects.filter(recipient=recipient, kind="message_request")
    assert notices.filter(read_at__isnull=True).exists()
    second = ConversationParticipant.objects.filter(user=recipient).order_by("pk").last()
    signed_in(recipient).post(
        reverse("messaging:answer_request", args=[second.conversation_id]), {"answer": "accept"}
    )
    assert not notices.filter(read_at__isnull=True).exists()


def test_declining_all_clears_the_notices(recipient, known_sender):
    write_to(known_sender, recipient, "hello there")
    signed_in(recipient).post(
        reverse("messaging:decline_all_requests"), {"list": "main", "confirmed": "1"}
    )
    assert _request_notice(recipient).read_at is not None


def test_what_declining_says_names_the_configured_cooldown(recipient, known_sender, settings):
    settings.KINDRED_MESSAGE_REQUEST_COOLDOWN = timedelta(days=7)
    write_to(known_sender, recipient)
    conversation = part_of(recipient).conversation
    client = signed_in(recipient)
    page = client.get(reverse("messaging:requests")).content.decode()
    asked = client.post(
        reverse("messaging:answer_request", args=[conversation.pk]), {"answer": "decline"}
    ).content.decode()
    for text in (page, asked):
        assert "for 7 days" in text and "30 days" not in text
    settings.KINDRED_MESSAGE_REQUEST_COOLDOWN = timedelta(days=1)
    asked = client.post(
        reverse("messaging:answer_request", args=[conversation.pk]), {"answer": "decline"}
    ).content.decode()
    assert "for 1 day." in asked
