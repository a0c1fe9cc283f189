"""Sign-in activity and the lockout, through allauth's real sign-in form and the member's
activity page (docs/decisions/0008-sign-in-activity-and-lockout.md)."""

import re
import time

import pytest
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import reverse

from community.models import SignInAttempt
from tests.factories import PASSWORD, make_member

FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_ON_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
ADDRESS = "203.0.113.77"
UNKNOWN = "nobody-has-this@example.org"


def attempt(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def form_errors(response) -> str:
    """The sign-in page's answer, without what differs by request (tokens, nonces)."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'nonce="[^"]+"', "", page)
    return page.replace(response.wsgi_request.POST.get("login", ""), "ADDRESS")


@pytest.fixture
def firefox():
    return Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS, REMOTE_ADDR=ADDRESS)


def test_a_sign_in_keeps_only_the_time_and_a_coarse_device(member, firefox):
    assert attempt(firefox, member.email).status_code == 302

    recorded = SignInAttempt.objects.get(user=member)
    assert (recorded.outcome, recorded.device) == ("succeeded", "Firefox on Windows")
    session = UserSession.objects.get(user=member)
    assert session.user_agent == "Firefox on Windows"
    assert session.ip != ADDRESS
    # Neither the address nor the browser's own string is anywhere in the database.
    with connection.cursor() as cursor:
        for table in ("community_signinattempt", "usersessions_usersession"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            dump = repr(cursor.fetchall())
            assert ADDRESS not in dump and "rv:133.0" not in dump and "Gecko" not in dump


def test_a_failed_attempt_is_recorded_and_answered_as_for_an_unknown_address(member, firefox):
    known = attempt(firefox, member.email, "wrong-password-1")
    unknown = attempt(Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS), UNKNOWN, "wrong-password-1")

    assert known.status_code == unknown.status_code == 200
    assert form_errors(known) == form_errors(unknown)
    assert list(SignInAttempt.objects.values_list("user_id", "outcome", "device")) == [
        (member.pk, "failed", "Firefox on Windows")
    ]


def test_repeated_failures_pause_signing_in_for_known_and_unknown_addresses_alike(
    member, firefox, settings
):
    settings.KINDRED_SIGN_IN_LOCKOUT_FAILURES = 3
    stranger = Client()
    for number in range(3):
        attempt(firefox, member.email, f"wrong-{number}")
        attempt(stranger, UNKNOWN, f"wrong-{number}")

    # The right password is refused too while the pause lasts.
    refused = attempt(firefox, member.email)
    refused_unknown = attempt(stranger, UNKNOWN)
    assert refused.status_code == refused_unknown.status_code == 200
    assert "_auth_user_id" not in firefox.session
    message = "Signing in with this address is paused after several failed attempts."
    assert message in refused.content.decode()
    assert form_errors(refused) == form_errors(refused_unknown)
    assert SignInAttempt.objects.filter(user=member, outcome="locked").count() == 1
    # Another address is not affected.
    other = make_member()
    assert attempt(Client(), other.email).status_code == 302


def test_the_pause_ends_after_its_period_and_the_member_is_told_what_happened(
    member, firefox, settings
):
    settings.KINDRED_SIGN_IN_LOCKOUT_FAILURES = 2
    settings.KINDRED_SIGN_IN_LOCKOUT_PERIOD = settings.KINDRED_SIGN_IN_LOCKOUT_PERIOD / 900
    assert attempt(firefox, member.email).status_code == 302
    firefox.post(reverse("account_logout"))
    attacker = Client(HTTP_USER_AGENT=CHROME_ON_LINUX)
    for number in range(2):
        attempt(attacker, member.email, f"guess-{number}")
    assert "is paused" in attempt(attacker, member.email, "guess-3").content.decode()

    time.sleep(1.1)  # the period: 15 minutes / 900
    signed_in = attempt(firefox, member.email)
    assert signed_in.status_code == 302
    page = firefox.get(signed_in["Location"], follow=True).content.decode()
    assert "There were 3 failed sign-in attempts since" in page
    assert f'href="{reverse("sign_in_activity")}"' in page
    # Told once: the next sign-in has nothing to tell.
    firefox.post(reverse("account_logout"))
    again = firefox.get(attempt(firefox, member.email)["Location"], follow=True)
    assert "failed sign-in" not in again.content.decode()


def test_a_password_reset_lifts_the_pause(member, settings, mailoutbox):
    settings.KINDRED_SIGN_IN_LOCKOUT_FAILURES = 2
    device = Client()
    for number in range(2):
        attempt(device, member.email, f"guess-{number}")
    assert "is paused" in attempt(device, member.email).content.decode()

    device.post(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"http://testserver(\S+)", mailoutbox[-1].body).group(1)
    form_url = device.get(link, follow=True).redirect_chain[-1][0]
    new_password = "quiet-lantern-river-42"
    device.post(form_url, {"password1": new_password, "password2": new_password})

    assert attempt(device, member.email, new_password).status_code == 302


def test_the_activity_page_lists_sign_ins_and_devices_in_a_fixed_number_of_queries(
    member, firefox, django_assert_num_queries
):
    def sign_in_from(device: str):
        client = Client(HTTP_USER_AGENT=device)
        attempt(client, member.email, "wrong")
        assert attempt(client, member.email).status_code == 302
        return client

    phone = Client(HTTP_USER_AGENT=SAFARI_ON_IPHONE)
    attempt(phone, member.email)
    attempt(firefox, member.email)
    # Session, account, sessions, live session rows, sign-ins.
    with django_assert_num_queries(5):
        page = firefox.get(reverse("sign_in_activity"))
    for _number in range(4):
        sign_in_from(CHROME_ON_LINUX)
    with django_assert_num_queries(5):
        page = firefox.get(reverse("sign_in_activity"))
    html = page.content.decode()
    assert html.count("End this session") == 5  # phone and the four Chrome sessions
    assert "Safari on iPhone" in html and "Chrome on Linux" in html
    assert html.count("Wrong password or code") == 4
    assert "This device" in html
    assert ADDRESS not in html


def test_ending_one_session_signs_that_device_out_only(member, firefox):
    phone = Client(HTTP_USER_AGENT=SAFARI_ON_IPHONE)
    attempt(phone, member.email)
    attempt(firefox, member.email)
    phone_session = UserSession.objects.get(session_key=phone.session.session_key)

    response = firefox.post(reverse("end_sign_in_session"), {"session": phone_session.pk})

    assert response.status_code == 302
    assert phone.get(reverse("settings"))["Location"].startswith(reverse("account_login"))
    assert firefox.get(reverse("settings")).status_code == 200
    page = firefox.get(reverse("sign_in_activity")).content.decode()
    assert "Safari on iPhone" not in page.split("Recent sign-ins")[0]


def test_a_member_cannot_end_someone_elses_session(member, other_member, firefox):
    attempt(firefox, member.email)
    theirs = Client()
    attempt(theirs, other_member.email)
    their_session = UserSession.objects.get(user=other_member)

    response = firefox.post(
        reverse("end_sign_in_session"), {"session": their_session.pk}, follow=True
    )

    assert "That session had already ended." in response.content.decode()
    assert theirs.get(reverse("settings")).status_code == 200
    for bad in ("", "nonsense", "-1"):
        response = firefox.post(reverse("end_sign_in_session"), {"session": bad}, follow=True)
        assert "That session had already ended." in response.content.decode()


def test_ending_all_other_sessions_keeps_this_one(member, firefox):
    others = [Client(HTTP_USER_AGENT=SAFARI_ON_IPHONE), Client(HTTP_USER_AGENT=CHROME_ON_LINUX)]
    for client in [*others, firefox]:
        attempt(client, member.email)

    response = firefox.post(reverse("end_sign_in_session"), {"session": "others"}, follow=True)

    assert "Every other session is signed out." in response.content.decode()
    for client in others:
        assert client.get(reverse("settings")).status_code == 302
    assert firefox.get(reverse("settings")).status_code == 200
    assert UserSession.objects.filter(user=member).count() == 1


def test_the_activity_page_is_only_ever_the_viewers_own(member, other_member, firefox):
    attempt(firefox, member.email, "wrong")
    attempt(firefox, member.email)
    stranger = Client(HTTP_USER_AGENT=CHROME_ON_LINUX)
    attempt(stranger, other_member.email)
    page = stranger.get(reverse("sign_in_activity")).content.decode()
    assert "Firefox on Windows" not in page and "Wrong password" not in page
    assert Client().get(reverse("sign_in_activity")).status_code == 302


def test_the_settings_page_links_to_sign_in_activity(member, firefox):
    attempt(firefox, member.email)
    assert reverse("sign_in_activity") in firefox.get(reverse("settings")).content.decode()


def test_sign_in_history_is_not_in_the_admin():
    # Staff are "another person" too (DESIGN.md invariant 1).
    assert SignInAttempt not in admin.site._registry


@pytest.mark.django_db(transaction=True)
async def test_ending_a_session_from_the_activity_page_closes_its_socket_at_once(
    member, other_member
):
    from channels.db import database_sync_to_async as db

    from messaging.services.conversations import get_or_create_group_room
    from tests.messaging.conftest import join, make_group
    from tests.messaging.test_session_end import (
        assert_still_open,
        closed_within_limit,
        sign_in_with_socket,
    )

    room = await db(
        lambda: get_or_create_group_room(group=make_group(members=[member, other_member]))
    )()
    laptop, laptop_socket = await sign_in_with_socket(member, FIREFOX_ON_WINDOWS)
    _phone, phone_socket = await sign_in_with_socket(member, SAFARI_ON_IPHONE)
    await join(laptop_socket, room.pk)
    phone_session = await db(
        lambda: UserSession.objects.get(user=member, user_agent="Safari on iPhone").pk
    )()

    started = time.monotonic()
    await db(laptop.post)(reverse("end_sign_in_session"), {"session": phone_session})
    await closed_within_limit(phone_socket, started)

    await assert_still_open(laptop_socket, room=room, sender=other_member, body="still here")
    await laptop_socket.disconnect()
    await phone_socket.disconnect()


def test_the_right_password_and_a_wrong_two_factor_code_is_a_failed_attempt(db, settings):
    settings.KINDRED_SIGN_IN_LOCKOUT_FAILURES = 2
    member = make_member(mfa=True)
    device = Client(HTTP_USER_AGENT=CHROME_ON_LINUX)
    stage = attempt(device, member.email)
    assert stage.status_code == 302 and stage["Location"] == reverse("mfa_authenticate")

    device.post(reverse("mfa_authenticate"), {"code": "000000"})

    assert list(SignInAttempt.objects.values_list("outcome", "device")) == [
        ("failed", "Chrome on Linux")
    ]
    # It counts towards the pause like a wrong password.
    attempt(Client(), member.email, "wrong")
    assert "is paused" in attempt(Client(), member.email).content.decode()


def test_sessions_that_would_open_no_page_are_not_listed(member, firefox):
    phone = Client(HTTP_USER_AGENT=SAFARI_ON_IPHONE)
    attempt(phone, member.email)
    attempt(firefox, member.email)
    # The password changes without signing anyone out (as `manage.py changepassword` does):
    # every session's auth hash is stale, the phone's session row remains but opens nothing.
    member.set_password("a-new-password-42")
    member.save(update_fields=["password"])
    assert phone.get(reverse("settings")).status_code == 302
    firefox.force_login(member)

    page = firefox.get(reverse("sign_in_activity")).content.decode()

    assert "Safari on iPhone" not in page.split("Recent sign-ins")[0]


@pytest.mark.django_db(transaction=True)
def test_the_migration_forgets_addresses_and_browsers_of_sessions_signed_in_before(member):
    from django.db.migrations.executor import MigrationExecutor

    session = UserSession.objects.create(
        user=member, ip="::", session_key="before-the-migration", user_agent="x"
    )
    # Written as allauth wrote rows before Kindred's receiver existed.
    UserSession.objects.filter(pk=session.pk).update(ip=ADDRESS, user_agent=FIREFOX_ON_WINDOWS)
    executor = MigrationExecutor(connection)
    executor.migrate([("community", "0010_before_you_send")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    session.refresh_from_db()
    assert (session.ip, session.user_agent) == ("::", "Firefox on Windows")
