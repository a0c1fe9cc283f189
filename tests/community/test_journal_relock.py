"""The journal locks itself: after KINDRED_JOURNAL_RELOCK_AFTER without a journal page, and in
every new session, its pages ask for the password (or the two-factor code) again, through
allauth's re-authentication; signing in alone never opens it (community/journal_lock.py)."""

import time

import pytest
from allauth.mfa.totp.internal.auth import hotp_value
from django.test import Client
from django.urls import reverse

from community.journal_lock import SEEN_AT_KEY
from community.models import JournalEntry
from tests.community.test_journal import SECRET, entry_data
from tests.factories import PASSWORD, make_member, unlock_journal

OWNER_PAGES = ["journal", "journal_entry_create", "journal_verify", "journal_reminders"]


def signed_in_through_the_form(user) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("name", OWNER_PAGES)
def test_a_new_session_must_re_authenticate_before_any_journal_page(member, name):
    client = signed_in_through_the_form(member)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert f"next={reverse(name).replace('/', '%2F')}" in response["Location"]


def test_the_password_unlocks_the_journal_and_brings_the_member_back(member):
    client = signed_in_through_the_form(member)
    locked = client.get(reverse("journal"))
    page = client.get(locked["Location"])
    assert page.status_code == 200
    assert "Your journal is locked. Confirm it is you to open it." in page.content.decode()

    response = client.post(locked["Location"], {"password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == reverse("journal")
    assert client.get(reverse("journal")).status_code == 200


def test_a_wrong_password_keeps_it_locked(member):
    client = signed_in_through_the_form(member)
    response = client.post(reverse("account_reauthenticate"), {"password": "not-it-at-all"})
    assert response.status_code == 200
    assert client.get(reverse("journal")).status_code == 302


def test_members_with_two_factor_unlock_with_their_code(db):
    member = make_member(mfa=True)
    client = Client()
    client.force_login(member)
    locked = client.get(reverse("journal"))
    offered = client.get(locked["Location"]).content.decode()
    assert reverse("mfa_reauthenticate") in offered  # "Use authenticator app or code"

    code = f"{hotp_value(member.totp_secret, int(time.time()) // 30):06d}"
    response = client.post(
        reverse("mfa_reauthenticate") + "?next=" + reverse("journal"), {"code": code}
    )

    assert response.status_code == 302
    assert client.get(reverse("journal")).status_code == 200


def test_it_locks_again_after_the_idle_time_without_a_journal_page(member, settings):
    client = signed_in_through_the_form(member)
    unlock_journal(client)
    assert client.get(reverse("journal")).status_code == 200

    # Time passes: the session's last journal page and last re-authentication are 16
    # minutes old.
    session = client.session
    records = session["account_authentication_methods"]
    for record in records:
        record["at"] -= 16 * 60
    session["account_authentication_methods"] = records
    session[SEEN_AT_KEY] -= 16 * 60
    session.save()

    response = client.get(reverse("journal"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_a_journal_page_keeps_it_open_while_the_member_is_using_it(member, settings):
    client = signed_in_through_the_form(member)
    unlock_journal(client)
    client.get(reverse("journal"))
    session = client.session
    records = session["account_authentication_methods"]
    for record in records:
        record["at"] -= 16 * 60  # unlocked 16 minutes ago...
    session["account_authentication_methods"] = records
    session[SEEN_AT_KEY] -= 10 * 60  # ...and last on a journal page 10 minutes ago
    session.save()

    assert client.get(reverse("journal")).status_code == 200


def test_signing_out_and_in_again_locks_it(member):
    client = signed_in_through_the_form(member)
    unlock_journal(client)
    assert client.get(reverse("journal")).status_code == 200
    client.post(reverse("account_logout"))
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert client.get(reverse("journal")).status_code == 302


def test_a_form_sent_to_a_locked_journal_saves_nothing_and_keeps_no_text(member):
    client = signed_in_through_the_form(member)
    response = client.post(reverse("journal_entry_create"), entry_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not JournalEntry.objects.exists()
    # allauth would keep the form in the session to replay it; journal text is never stored
    # unencrypted, so it is not there.
    assert SECRET not in repr(dict(client.session.items()))
    page = client.get(response["Location"]).content.decode()
    assert "Your journal locked itself while you were away" in page


def test_another_members_unlock_does_not_open_the_owners_entries(member, other_member):
    owner = signed_in_through_the_form(member)
    unlock_journal(owner)
    owner.post(reverse("journal_entry_create"), entry_data())
    entry = JournalEntry.objects.get(owner=member)
    other = signed_in_through_the_form(other_member)
    unlock_journal(other)
    assert other.get(reverse("journal_entry", args=[entry.public_id])).status_code == 404


def test_journal_page_queries_stay_fixed_once_unlocked(member, django_assert_num_queries):
    client = signed_in_through_the_form(member)
    unlock_journal(client)
    client.get(reverse("journal"))
    # Session, account, entries with their current version and counts, reminders: the lock
    # reads the session already loaded and writes it at most once a minute.
    with django_assert_num_queries(4):
        client.get(reverse("journal"))
    with django_assert_num_queries(4):
        client.get(reverse("journal"))
