"""Sharing single journal entries read-only into a support request, and key rotation."""

import hashlib
import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from community.encryption import DecryptionError
from community.models import JournalReminder, JournalShare, SupportRequest
from community.selectors.journal import verify_chain
from community.services.journal_evidence import evidence_path, read_evidence_bytes
from messaging.models import Notification
from tests.community.advocates_helpers import accepted_request, make_advocate
from tests.community.test_journal import SECRET, create_entry, entry_data, jpeg_with_gps, upload
from tests.factories import make_member, unlock_journal


@pytest.fixture
def member_client(client, member):
    """Signed in, with the journal unlocked as its lock asks in every new session."""
    client.force_login(member)
    return unlock_journal(client)


def signed_in(user) -> Client:
    """Signed in, with the journal unlocked as its lock asks in every new session."""
    client = Client()
    client.force_login(user)
    return unlock_journal(client)


@pytest.fixture
def sharing(member, member_client):
    advocate = make_advocate(pseudonym="KindLighthouse5")
    support_request = accepted_request(member=member, advocate=advocate)
    shared = create_entry(member_client, evidence=[upload("chat.txt", b"the chat log")])
    private = create_entry(member_client, title="Private one", what_happened="Not for anyone else")
    return advocate, support_request, shared, private


def test_member_shares_one_entry_and_the_advocate_reads_only_that_one(
    member_client, sharing, django_capture_on_commit_callbacks
):
    advocate, support_request, shared, private = sharing
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(
            reverse("journal_entry_share", args=[shared.public_id]),
            {"support_request": support_request.pk},
        )
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=advocate, kind="journal_shared").exists()

    advocate_client = signed_in(advocate)
    page = advocate_client.get(
        reverse("journal_shared_for_request", args=[support_request.pk])
    ).content.decode()
    assert SECRET in page and "Not for anyone else" not in page
    evidence = shared.evidence.get()
    download = advocate_client.get(
        reverse("journal_shared_evidence", args=[support_request.pk, evidence.public_id])
    )
    assert download.status_code == 200 and download.content == b"the chat log"
    # Read-only: the owner's pages stay closed to the advocate.
    for name in ("journal_entry", "journal_entry_edit"):
        assert advocate_client.get(reverse(name, args=[shared.public_id])).status_code == 404
    assert (
        advocate_client.post(
            reverse("journal_entry_edit", args=[shared.public_id]), entry_data()
        ).status_code
        == 404
    )


def test_revoking_ends_the_advocates_access_at_once(member_client, sharing):
    advocate, support_request, shared, _private = sharing
    member_client.post(
        reverse("journal_entry_share", args=[shared.public_id]),
        {"support_request": support_request.pk},
    )
    share = JournalShare.objects.get()
    evidence_url = reverse(
        "journal_shared_evidence", args=[support_request.pk, shared.evidence.get().public_id]
    )
    advocate_client = signed_in(advocate)
    assert advocate_client.get(evidence_url).status_code == 200

    response = member_client.post(
        reverse("journal_share_revoke", args=[share.public_id]), {"confirmed": "1"}
    )
    assert response.status_code == 302
    assert not JournalShare.objects.exists()
    page = advocate_client.get(
        reverse("journal_shared_for_request", args=[support_request.pk])
    ).content.decode()
    assert SECRET not in page and "Nothing is shared" in page
    assert advocate_client.get(evidence_url).status_code == 404


@pytest.mark.parametrize(
    "who", ["other_advocate", "staff", "site_moderator", "member", "member_without_mfa"]
)
def test_nobody_but_the_requests_advocate_sees_shared_entries(member_client, sharing, who):
    _advocate, support_request, shared, _private = sharing
    member_client.post(
        reverse("journal_entry_share", args=[shared.public_id]),
        {"support_request": support_request.pk},
    )
    outsider = {
        "other_advocate": lambda: make_advocate(),
        "staff": lambda: make_member(staff=True, mfa=True),
        "site_moderator": lambda: make_member(site_moderator=True, mfa=True),
        "member": lambda: make_member(mfa=True),
        "member_without_mfa": lambda: make_member(),
    }[who]()
    client = signed_in(outsider)
    urls = [
        reverse("journal_shared_for_request", args=[support_request.pk]),
        reverse(
            "journal_shared_evidence", args=[support_request.pk, shared.evidence.get().public_id]
        ),
        reverse("journal_entry", args=[shared.public_id]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("journal_share_revoke", args=[JournalShare.objects.get().public_id])
        ).status_code
        == 404
    )
    assert JournalShare.objects.exists()


def test_a_shared_file_is_only_reachable_through_the_request_it_is_shared_into(
    member_client, sharing
):
    """Another advocate cannot reach the file by putting it under their own request."""
    _advocate, support_request, shared, _private = sharing
    member_client.post(
        reverse("journal_entry_share", args=[shared.public_id]),
        {"support_request": support_request.pk},
    )
    other_advocate = make_advocate()
    own_request = accepted_request(member=make_member(), advocate=other_advocate)
    url = reverse("journal_shared_evidence", args=[own_request.pk, shared.evidence.get().public_id])
    response = signed_in(other_advocate).get(url)
    assert response.status_code == 404
    assert b"the chat log" not in response.content


def test_an_entry_can_only_go_into_the_owners_own_accepted_request(member, member_client):
    advocate = make_advocate()
    someone_elses = accepted_request(member=make_member(), advocate=advocate)
    still_open = accepted_request(member=member, advocate=None, status=SupportRequest.Status.OPEN)
    entry = create_entry(member_client)
    for support_request in (someone_elses, still_open):
        response = member_client.post(
            reverse("journal_entry_share", args=[entry.public_id]),
            {"support_request": support_request.pk},
        )
        assert response.status_code == 200
        assert "Choose one of your accepted support requests." in response.content.decode()
    assert not JournalShare.objects.exists()


def test_key_rotation_leaves_every_entry_file_and_reminder_readable(
    member, member_client, settings
):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old_key]
    entry = create_entry(member_client, evidence=[upload("photo.jpg", jpeg_with_gps())])
    member_client.post(
        reverse("journal_entry_edit", args=[entry.public_id]),
        entry_data(what_happened="Second wording"),
    )
    member_client.post(
        reverse("journal_reminders"), {"due_on": "2026-01-05", "note": "Call the union rep"}
    )
    evidence = entry.evidence.get()
    file_before = evidence_path(evidence.stored_name).read_bytes()

    settings.ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    assert evidence_path(evidence.stored_name).read_bytes() != file_before

    settings.ENCRYPTION_KEYS = [new_key]
    page = member_client.get(reverse("journal_entry", args=[entry.public_id])).content.decode()
    assert "Second wording" in page and SECRET in page
    stored = read_evidence_bytes(evidence)
    assert hashlib.sha256(stored).hexdigest() == entry.evidence.get().sha256
    assert [reminder.note for reminder in JournalReminder.objects.all()] == ["Call the union rep"]
    assert verify_chain(owner_id=member.pk).intact

    # The old key alone opens nothing any more: everything really moved to the new key.
    settings.ENCRYPTION_KEYS = [old_key]
    with pytest.raises(DecryptionError):
        read_evidence_bytes(evidence)
    with pytest.raises(DecryptionError):
        list(entry.versions.all())


def test_the_requests_advocate_needs_two_factor_authentication_to_read(member, member_client):
    advocate = make_advocate(mfa=False)
    support_request = accepted_request(member=member, advocate=advocate)
    entry = create_entry(member_client)
    member_client.post(
        reverse("journal_entry_share", args=[entry.public_id]),
        {"support_request": support_request.pk},
    )
    response = signed_in(advocate).get(
        reverse("journal_shared_for_request", args=[support_request.pk])
    )
    assert response.status_code == 302 and SECRET not in response.content.decode()
    assert response["Location"] == reverse("mfa_activate_totp")
