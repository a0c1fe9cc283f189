"""Matching entries, matches and who learns what (issue 16, decision 0080), through the real
endpoints, the real escrow process and real cryptography (tests/community/matching_helpers.py
plays the browsers)."""

import base64
import difflib
import hashlib
import hmac
import io
import json
import os
import re
import zipfile
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection
from django.test import Client
from django.utils import timezone

from community.matching import identifiers
from community.models import (
    MatchingCounsellor,
    MatchingEntry,
    MatchingMatch,
    SealedShare,
    SupportRequest,
)
from community.services.data_rights import delete_account, export_all_data
from messaging.models import Conversation, Notification
from tests.community import matching_helpers as browser
from tests.community.advocates_helpers import make_advocate
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def counsellor(matching_escrow):
    return browser.counsellor_with_key()


@pytest.fixture
def members(matching_escrow):
    return [browser.eligible_client() for _ in range(3)]


def _match_ids():
    return list(MatchingMatch.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("kind", "first", "second", "identifier"),
    [
        ("email", "J.Doe@Example.com ", "j.doe@example.com", "email:j.doe@example.com"),
        ("phone", "+1 415 555 0100", "(415) 555-0100", "phone:+14155550100"),
    ],
)
def test_two_members_naming_one_person_make_one_match_the_counsellor_opens(
    counsellor, members, kind, first, second, identifier
):
    (alice, alice_client), (bob, bob_client), _ = members
    assert browser.add_entry(alice_client, kind, first).status_code == 201
    assert _match_ids() == []
    assert browser.add_entry(bob_client, kind, second).status_code == 201
    [match_id] = _match_ids()

    opened = browser.open_match(counsellor["client"], counsellor["private"], match_id)
    assert [record["identifier"] for record in opened["records"]] == [identifier, identifier]
    owners = set(
        MatchingEntry.objects.filter(pk__in=opened["entries"]).values_list("owner_id", flat=True)
    )
    assert owners == {alice.pk, bob.pk}
    # Only the counsellor is told; neither member is.
    assert (
        Notification.objects.filter(recipient=counsellor["user"], kind="matching.match").count()
        == 1
    )
    assert not Notification.objects.filter(recipient__in=[alice, bob]).exists()


def test_a_member_learns_nothing_from_a_match(counsellor, members):
    (_a, alice_client), (_b, bob_client), (_c, carol_client) = members
    alone = browser.add_entry(carol_client, "email", "someone.else@example.com")
    browser.add_entry(alice_client, "email", "j.doe@example.com")
    matched = browser.add_entry(bob_client, "email", "J.DOE@example.com")
    assert _match_ids()
    assert alone.status_code == matched.status_code == 201
    assert alone.json().keys() == matched.json().keys() == {"entry"}
    # Their status and list pages say the same before and after.
    assert bob_client.get("/matching/status/").json().keys() == {"counsellors", "x"}


def test_the_same_member_twice_is_no_match(counsellor, members):
    (_alice, alice_client), *_ = members
    assert browser.add_entry(alice_client, "email", "J.Doe@Example.com ").status_code == 201
    again = browser.add_entry(alice_client, "email", "j.doe@example.com")
    assert again.status_code == 200 and again.json()["error"] == "duplicate"
    assert MatchingEntry.objects.count() == 1
    assert _match_ids() == []


def test_different_people_are_no_match(counsellor, members):
    (_a, alice_client), (_b, bob_client), _ = members
    browser.add_entry(alice_client, "email", "j.doe@example.com")
    browser.add_entry(bob_client, "email", "j.roe@example.com")
    browser.add_entry(bob_client, "url", "example.com/j.doe@example.com")
    assert MatchingEntry.objects.count() == 3
    assert _match_ids() == []


def test_a_withdrawn_entry_is_deleted_at_once_and_out_of_matches(counsellor, members):
    (_a, alice_client), (_b, bob_client), (_c, carol_client) = members
    entry = browser.add_entry(alice_client, "phone", "(415) 555-0100").json()["entry"]
    assert alice_client.get(f"/matching/entries/{entry}/withdraw/").status_code == 200
    response = alice_client.post(f"/matching/entries/{entry}/withdraw/")
    assert response.status_code == 302
    assert not MatchingEntry.objects.filter(pk=entry).exists()
    assert not SealedShare.objects.filter(entry_id=entry).exists()
    browser.add_entry(bob_client, "phone", "+1 415 555 0100")
    assert _match_ids() == []

    # A match that exists ends when it falls under two accounts.
    bobs = MatchingEntry.objects.get().pk
    browser.add_entry(carol_client, "phone", "415.555.0100")
    assert len(_match_ids()) == 1
    bob_client.post(f"/matching/entries/{bobs}/withdraw/")
    assert _match_ids() == []


def test_a_member_cannot_withdraw_anothers_entry(counsellor, members):
    (_a, alice_client), (_b, bob_client), _ = members
    entry = browser.add_entry(alice_client, "email", "j.doe@example.com").json()["entry"]
    assert bob_client.post(f"/matching/entries/{entry}/withdraw/").status_code == 404
    assert MatchingEntry.objects.filter(pk=entry).exists()


def _plain_hashes(value: bytes, keys: list[bytes]) -> set[str]:
    digests = [hashlib.md5(value).digest(), hashlib.sha1(value).digest()]  # noqa: S324
    digests += [hashlib.sha256(value).digest(), hashlib.sha512(value).digest()]
    digests += [hmac.new(key, value, hashlib.sha256).digest() for key in keys]
    digests += [hmac.new(key, value, hashlib.sha512).digest() for key in keys]
    found = set()
    for digest in digests:
        found |= {
            digest.hex(),
            base64.b64encode(digest).decode(),
            base64.urlsafe_b64encode(digest).decode().rstrip("="),
        }
    return found


def _whole_database_text() -> str:
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value)
                        parts += [value.hex(), value.decode("latin-1")]
                    else:
                        parts.append(str(value))
    return "\n".join(parts).lower()


def test_neither_the_database_nor_the_web_tier_holds_the_identifier_or_its_hash(
    counsellor, members, settings
):
    (_a, alice_client), (_b, bob_client), _ = members
    browser.add_entry(alice_client, "email", "J.Doe@Example.com ")
    browser.add_entry(bob_client, "email", "j.doe@example.com")
    assert _match_ids()
    web_keys = [settings.SECRET_KEY, settings.ESCROW_SECRET, *settings.ENCRYPTION_KEYS]
    web_keys = [key.encode() for key in web_keys]
    searched = set()
    for raw in ("j.doe@example.com", "email:j.doe@example.com", "J.Doe@Example.com"):
        searched.add(raw.lower())
        searched |= {h.lower() for h in _plain_hashes(raw.encode(), web_keys)}
    database = _whole_database_text()
    environment = "\n".join(
        [*os.environ.values(), *(str(getattr(settings, n)) for n in dir(settings) if n.isupper())]
    ).lower()
    for needle in searched:
        assert needle not in database
        assert needle not in environment


def test_the_web_tier_alone_cannot_open_a_sealed_blob(counsellor, members, settings):
    (_a, alice_client), *_ = members
    browser.add_entry(alice_client, "email", "j.doe@example.com")
    blob = base64.b64decode(SealedShare.objects.get().blob)
    # Every key the web tier holds, as an AES-GCM key the way a seal is used: none opens it.
    for key in [settings.SECRET_KEY, settings.ESCROW_SECRET, *settings.ENCRYPTION_KEYS]:
        with pytest.raises(InvalidTag):
            AESGCM(hashlib.sha256(key.encode()).digest()).decrypt(bytes(12), blob[32:], None)
    # Only the counsellor's private key, which only their browser has, does.
    assert b'"x"' in browser.open_sealed(counsellor["private"], SealedShare.objects.get().blob)


def test_the_rate_limit_holds_through_the_web_tier(counsellor, settings, matching_escrow):
    _user, client = browser.eligible_client()
    for number in range(settings.ESCROW_DAILY_LIMIT):
        assert browser.add_entry(client, "email", f"person{number}@example.com").status_code == 201
    refused = browser.add_entry(client, "email", "one.more@example.com")
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert MatchingEntry.objects.count() == settings.ESCROW_DAILY_LIMIT


@pytest.mark.parametrize(
    ("options", "age", "reason"),
    [
        ({"verified": False}, 30, "unverified"),
        ({"mfa": False}, 30, "mfa"),
        ({}, 2, "too_new"),
    ],
)
def test_only_verified_mfa_accounts_of_some_age_may_add_entries(
    counsellor, matching_escrow, options, age, reason
):
    user = make_member(**{"mfa": True, **options})
    user.date_joined = timezone.now() - timedelta(days=age)
    user.save(update_fields=["date_joined"])
    client = Client()
    client.force_login(user)
    for response in (
        client.get("/matching/status/"),
        client.post("/matching/evaluate/", {"blinded": "00" * 32}, content_type="application/json"),
        client.post(
            "/matching/entries/", {"index": "0" * 64, "sealed": {}}, content_type="application/json"
        ),
    ):
        assert response.status_code == 403
        assert response.json()["error"] == reason
    assert not MatchingEntry.objects.exists()


def test_entry_pages_refuse_with_a_clear_message_without_the_escrow(counsellor, members, settings):
    settings.ESCROW_URL = "http://127.0.0.1:9"
    (_a, alice_client), *_ = members
    response = alice_client.get("/matching/status/")
    assert response.status_code == 503
    assert "matching service cannot be reached" in response.json()["message"]
    blinded = alice_client.post(
        "/matching/evaluate/", {"blinded": "00" * 32}, content_type="application/json"
    )
    assert blinded.status_code == 503


def test_an_entry_must_be_sealed_to_every_counsellor_with_their_current_key(counsellor, members):
    (_a, alice_client), *_ = members
    stale = {str(MatchingCounsellor.objects.get().pk): [browser.new_counsellor_key()[1], "AAAA"]}
    response = alice_client.post(
        "/matching/entries/", {"index": "a" * 64, "sealed": stale}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["error"] == "counsellors_changed"
    assert not MatchingEntry.objects.exists()


def test_matches_are_for_matching_counsellors_only(counsellor, members):
    (alice, alice_client), (_b, bob_client), _ = members
    browser.add_entry(alice_client, "email", "j.doe@example.com")
    browser.add_entry(bob_client, "email", "j.doe@example.com")
    [match_id] = _match_ids()
    assert alice_client.get(f"/matching/matches/{match_id}/").status_code == 404
    # A legal advocate who was not designated sees nothing either.
    other = Client()
    other.force_login(make_advocate(specialties=("legal",)))
    assert other.get(f"/matching/matches/{match_id}/").status_code == 404
    assert (
        other.post(
            "/matching/counsellor/key/", {"public_key": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_staff_see_who_counsels_never_an_entry(counsellor, members):
    (_a, alice_client), *_ = members
    browser.add_entry(alice_client, "email", "j.doe@example.com")
    staff = Client()
    staff.force_login(make_member(staff=True, mfa=True))
    listing = staff.get("/admin/community/matchingcounsellor/")
    assert listing.status_code == 200
    assert counsellor["user"].profile.pseudonym in listing.content.decode()
    assert SealedShare.objects.get().blob[:40] not in listing.content.decode()
    assert staff.get("/admin/community/matchingentry/").status_code == 404
    assert staff.get("/admin/community/sealedshare/").status_code == 404
    assert identifiers.normalise_email("j.doe@example.com") not in listing.content.decode()


def test_the_counsellor_reaches_each_member_through_a_support_thread_by_alias(counsellor, members):
    (alice, alice_client), (bob, bob_client), (carol, carol_client) = members
    browser.add_entry(alice_client, "email", "j.doe@example.com")
    browser.add_entry(bob_client, "email", "J.Doe@example.com")
    browser.add_entry(carol_client, "email", "not.matched@example.com")
    [match_id] = _match_ids()
    opened = browser.open_match(counsellor["client"], counsellor["private"], match_id)
    client = counsellor["client"]
    for entry_id in opened["entries"]:
        response = client.post(f"/matching/matches/{match_id}/contact/{entry_id}/")
        assert response.status_code == 302
        again = client.post(f"/matching/matches/{match_id}/contact/{entry_id}/")
        assert again.url == response.url  # the same thread, not a second one
    requests = SupportRequest.objects.filter(advocate=counsellor["user"]).order_by("pk")
    assert {r.member_id for r in requests} == {alice.pk, bob.pk}
    assert all(r.alias.startswith(f"Match {match_id}-") for r in requests)
    assert Conversation.objects.filter(support_request__in=requests).count() == 2
    # Each member is told a counsellor wrote; they choose whether to reply.
    assert Notification.objects.filter(recipient=alice, kind="support.matching").exists()
    page = client.get(f"/support/{requests[0].pk}/").content.decode()
    assert requests[0].alias in page
    assert alice.profile.pseudonym not in page
    # An entry outside the match cannot be contacted from it.
    carols = MatchingEntry.objects.get(owner=carol).pk
    client.post(f"/matching/matches/{match_id}/contact/{carols}/")
    assert not SupportRequest.objects.filter(member=carol).exists()
    # A member cannot use it.
    assert alice_client.post(f"/matching/matches/{match_id}/contact/{carols}/").status_code == 404


def _member_pages(client) -> dict:
    pages = {}
    for path in ("/matching/", "/notifications/", "/messages/", "/support/", "/"):
        response = client.get(path, follow=True)
        text = re.sub(r'(nonce|value|content)="[^"]*"', "", response.content.decode())
        pages[path] = (response.status_code, re.sub(r"\b\d+ (seconds?|minutes?) ago\b", "", text))
    return pages


def test_no_page_tells_a_member_that_someone_else_named_the_same_person(counsellor, members):
    (_a, alice_client), (_b, bob_client), _ = members
    browser.add_entry(alice_client, "email", "j.doe@example.com")
    _member_pages(alice_client)  # shows (and so ends) her own "Your entry is saved."
    before = _member_pages(alice_client)
    assert {status for status, _text in before.values()} == {200}
    browser.add_entry(bob_client, "email", "j.doe@example.com")
    assert _match_ids()
    after = _member_pages(alice_client)
    for path in before:
        assert after[path] == before[path], "\n".join(
            difflib.unified_diff(before[path][1].splitlines(), after[path][1].splitlines())
        )


def test_deleting_an_account_ends_the_matches_its_entries_made(counsellor, members):
    (alice, alice_client), (_b, bob_client), _ = members
    browser.add_entry(alice_client, "email", "j.doe@example.com")
    browser.add_entry(bob_client, "email", "j.doe@example.com")
    assert _match_ids()
    delete_account(user=alice, delete_contributions=False)
    assert not MatchingEntry.objects.filter(owner_id=alice.pk).exists()
    assert _match_ids() == []


def test_the_members_export_lists_their_entries_and_nothing_that_names_or_matches(
    counsellor, members
):
    (alice, alice_client), (_b, bob_client), _ = members
    browser.add_entry(alice_client, "email", "j.doe@example.com")
    browser.add_entry(bob_client, "email", "j.doe@example.com")
    assert _match_ids()
    entry = MatchingEntry.objects.get(owner=alice)

    with zipfile.ZipFile(io.BytesIO(export_all_data(user=alice))) as archive:
        raw = archive.read("matching_entries.json").decode()
        everything = b"".join(archive.read(name) for name in archive.namelist()).decode(
            "utf-8", "replace"
        )

    exported = json.loads(raw)
    assert exported["entries"] == [{"entry": entry.pk, "added_at": entry.created_at.isoformat()}]
    assert "j.doe" not in everything.lower()
    assert entry.index not in everything
    for blob in SealedShare.objects.filter(entry=entry).values_list("blob", flat=True):
        assert blob not in everything
    assert "match" not in json.dumps(exported["entries"]).lower()


def test_staff_designate_only_verified_legal_advocates_with_two_factor(db):
    staff = Client()
    staff.force_login(make_member(staff=True, mfa=True))
    without_mfa = make_advocate(specialties=("legal",), mfa=False)
    counselling = make_advocate(specialties=("counselling",))
    legal = make_advocate(specialties=("legal",))
    form = staff.get("/admin/community/matchingcounsellor/add/").content.decode()
    assert legal.profile.pseudonym in form
    assert counselling.profile.pseudonym not in form
    assert legal.email not in form
    refused = staff.post("/admin/community/matchingcounsellor/add/", {"user": without_mfa.pk})
    assert refused.status_code == 200
    assert "two-factor authentication first" in refused.content.decode()
    added = staff.post("/admin/community/matchingcounsellor/add/", {"user": legal.pk})
    assert added.status_code == 302
    counsellor = MatchingCounsellor.objects.get(user=legal)
    # Removing is deleting the row (with the blobs sealed to that counsellor).
    removed = staff.post(
        f"/admin/community/matchingcounsellor/{counsellor.pk}/delete/", {"post": "yes"}
    )
    assert removed.status_code == 302
    assert not MatchingCounsellor.objects.exists()
