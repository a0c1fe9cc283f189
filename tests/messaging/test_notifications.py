"""Discreet notifications (issue 14, part 2; DESIGN.md invariant "discreet notifications"): by
default the bell, the live notice and the notifications list say "New activity" with no
sender or content; a member may opt in to details; each kind can be turned off, in-app only;
what happened is shown when the member opens the notification."""

import pytest
from channels.db import database_sync_to_async as db
from django.test import Client
from django.urls import reverse

from messaging.models import Notification, NotificationPreferences
from messaging.services.notifications import notify
from tests.factories import make_member
from tests.messaging.conftest import open_socket, receive_until

SECRET_TEXT = "QuietRiver12 replied to “Meeting with my manager”"


def _preferences(user, **values):
    NotificationPreferences.objects.update_or_create(user=user, defaults=values)


@pytest.mark.django_db(transaction=True)
async def test_the_live_notice_says_new_activity_and_nothing_else(member):
    socket = await open_socket(member)
    await db(notify)(recipient_id=member.pk, kind="thread_reply", text=SECRET_TEXT, url="/x/")
    frame = await receive_until(socket, "notification")
    assert frame["notification"]["text"] == "New activity"
    notification = await db(Notification.objects.get)()
    assert frame["notification"]["url"] == f"/notifications/{notification.pk}/"
    assert (
        "QuietRiver12" not in str(frame) and "manager" not in str(frame) and "/x/" not in str(frame)
    )
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_member_who_asks_for_details_gets_them(member):
    await db(_preferences)(member, show_details=True)
    socket = await open_socket(member)
    await db(notify)(recipient_id=member.pk, kind="thread_reply", text=SECRET_TEXT, url="/x/")
    frame = await receive_until(socket, "notification")
    assert (frame["notification"]["text"], frame["notification"]["url"]) == (SECRET_TEXT, "/x/")
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_kind_turned_off_is_neither_stored_nor_pushed(member):
    await db(_preferences)(member, replies=False)
    socket = await open_socket(member)
    assert await db(notify)(recipient_id=member.pk, kind="thread_reply", text="r") is None
    # Crisis resources cannot be turned off; this one arrives, and is the only one.
    await db(notify)(recipient_id=member.pk, kind="crisis_resources", text="help is here")
    frame = await receive_until(socket, "notification")
    assert frame["unread_notifications"] == 1
    assert await db(Notification.objects.count)() == 1
    await socket.disconnect()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("preference", "kind"),
    [
        ("mentions", "mention"),
        ("direct_messages", "message_request"),
        ("replies", "thread_reply"),
        ("moderation", "flag_outcome"),
        ("moderation", "appeal_outcome"),
        ("support", "support.accepted"),
        ("support", "journal_shared"),
    ],
)
def test_each_preference_turns_its_kinds_off(member, preference, kind):
    notify(recipient_id=member.pk, kind=kind, text="on")
    _preferences(member, **{preference: False})
    notify(recipient_id=member.pk, kind=kind, text="off")
    assert list(Notification.objects.values_list("text", flat=True)) == ["on"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["crisis_resources", "sanction", "moderation_decision"])
def test_what_a_member_must_know_cannot_be_turned_off(member, kind):
    _preferences(
        member,
        mentions=False,
        direct_messages=False,
        replies=False,
        moderation=False,
        support=False,
    )
    assert notify(recipient_id=member.pk, kind=kind, text="always") is not None


@pytest.mark.django_db
def test_the_list_is_discreet_and_the_detail_shows_what_happened(member_client, member):
    notify(recipient_id=member.pk, kind="thread_reply", text=SECRET_TEXT, url="/groups/")
    notification = Notification.objects.get()
    page = member_client.get(reverse("messaging:notifications")).content.decode()
    assert "New activity" in page and "QuietRiver12" not in page
    detail_url = reverse("messaging:notification_detail", args=[notification.pk])
    assert detail_url in page
    detail = member_client.get(detail_url).content.decode()
    assert "QuietRiver12 replied to" in detail and 'href="/groups/"' in detail
    notification.refresh_from_db()
    assert notification.read_at is not None
    # Someone else's notification does not exist for this member.
    stranger = Client()
    stranger.force_login(make_member())
    assert stranger.get(detail_url).status_code == 404


@pytest.mark.django_db
def test_settings_page_saves_every_preference(member_client, member):
    url = reverse("messaging:notification_settings")
    page = member_client.get(url).content.decode()
    assert "we never send them by email or to your phone" in page
    assert 'aria-describedby="id_show_details_helptext"' in page
    member_client.post(url, {"mentions": "on", "support": "on", "show_details": "on"})
    preferences = NotificationPreferences.objects.get(user=member)
    assert (preferences.mentions, preferences.support, preferences.show_details) == (
        True,
        True,
        True,
    )
    assert not (preferences.replies or preferences.direct_messages or preferences.moderation)
    assert "Your notification settings are saved." in member_client.get(url).content.decode()
    page = member_client.get(reverse("messaging:notifications")).content.decode()
    notify(recipient_id=member.pk, kind="mention", text="You were mentioned")
    page = member_client.get(reverse("messaging:notifications")).content.decode()
    assert "You were mentioned" in page  # details on: the list says what happened


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 40])
def test_the_list_costs_a_fixed_number_of_queries(
    member_client, member, django_assert_num_queries, count
):
    for number in range(count):
        notify(recipient_id=member.pk, kind="thread_reply", text=f"n{number}")
    member_client.get(reverse("messaging:notifications"))
    # Session, user, the list, the preferences, the unread count.
    with django_assert_num_queries(5):
        member_client.get(reverse("messaging:notifications"))


@pytest.mark.django_db
def test_settings_page_saves_the_screen_reader_announcements_choice(member_client, member):
    url = reverse("messaging:notification_settings")
    page = member_client.get(url).content.decode()
    assert "<legend>Screen reader announcements in conversations</legend>" in page
    assert 'type="radio" name="chat_announcements" value="all"' in page
    assert 'id="id_chat_announcements_0" checked' in page  # "all", the default
    member_client.post(url, {"mentions": "on", "chat_announcements": "mentions"})
    assert NotificationPreferences.objects.get(user=member).chat_announcements == "mentions"
    member_client.post(url, {"chat_announcements": "off"})
    assert NotificationPreferences.objects.get(user=member).chat_announcements == "off"
    # Anything else is refused and changes nothing.
    assert member_client.post(url, {"chat_announcements": "loud"}).status_code == 200
    assert NotificationPreferences.objects.get(user=member).chat_announcements == "off"
