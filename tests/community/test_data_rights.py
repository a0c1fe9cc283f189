import io
import json
import re
import zipfile

import pytest
from channels.db import database_sync_to_async as db
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse

from community.models import JournalEntry, Post, PostRevision, Profile, User
from community.services.journal_evidence import evidence_path
from messaging.models import Message
from messaging.services.conversations import get_or_create_group_room
from tests.community.groups_helpers import add_member
from tests.community.test_journal import SECRET, create_entry, upload
from tests.factories import PASSWORD, make_member, make_message, unlock_journal
from tests.messaging.conftest import make_group, open_socket

EMAIL = "vanishing-heron-7x@example.org"
PSEUDONYM = "VanishingHeron77"
POST_BODY = "My team lead keeps scheduling me out of meetings"
MESSAGE_BODY = "Has anyone filed with the works council?"


def member_with_history():
    user = make_member(email=EMAIL, pseudonym=PSEUDONYM)
    user.profile.bio = "Backend engineer, bio text"
    user.profile.save(update_fields=["bio"])
    group = make_group(name="Engineers")
    add_member(group=group, user=user)
    post = Post.objects.create(group=group, author=user, title="Left out", body=POST_BODY)
    PostRevision.objects.create(post=post, title="Left out", body="an older wording")
    room = get_or_create_group_room(group=group)
    make_message(conversation=room, sender=user, body=MESSAGE_BODY, client_id="c-1")
    return user


def database_dump() -> str:
    """Every row of every table, as text: what someone with a copy of the database reads."""
    tables = connection.introspection.table_names()
    dump = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            dump.append(repr(cursor.fetchall()))
    return "\n".join(dump)


def signed_in(user) -> Client:
    """Signed in, with the journal unlocked as its lock asks in every new session."""
    client = Client()
    client.force_login(user)
    return unlock_journal(client)


def test_export_all_my_data_needs_the_password_and_holds_everything(db):
    user = member_with_history()
    client = signed_in(user)
    create_entry(client, evidence=[upload("note.txt", b"the evidence")])

    refused = client.post(reverse("data_export"), {"password": "wrong"})
    assert refused.status_code == 200 and "That is not your password." in refused.content.decode()

    response = client.post(reverse("data_export"), {"password": PASSWORD})
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        account = json.loads(archive.read("account.json"))
        assert account["profile"]["pseudonym"] == PSEUDONYM
        assert account["email_addresses"] == [EMAIL]
        # signed_in() is a sign-in too: kept as the activity page shows it, coarse only.
        assert [sign_in["outcome"] for sign_in in account["sign_ins"]] == ["succeeded"]
        assert set(account["sign_ins"][0]) == {"at", "outcome", "device"}
        assert json.loads(archive.read("posts.json"))[0]["body"] == POST_BODY
        assert json.loads(archive.read("messages.json"))[0]["body"] == MESSAGE_BODY
        assert json.loads(archive.read("groups.json"))[0]["group"] == "Engineers"
        journal = json.loads(archive.read("journal/journal.json"))
        assert journal["entries"][0]["versions"][0]["payload"]["what_happened"] == SECRET
        evidence_files = [
            name for name in archive.namelist() if name.startswith("journal/evidence/")
        ]
        assert [archive.read(name) for name in evidence_files] == [b"the evidence"]
        assert "support_requests.json" in archive.namelist()


def test_export_holds_only_my_own_messages(db):
    user = member_with_history()
    other = make_member(pseudonym="SomeoneElse42")
    room = Message.objects.get(sender=user).conversation
    make_message(conversation=room, sender=other, body="not yours", client_id="x")
    response = signed_in(user).post(reverse("data_export"), {"password": PASSWORD})
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "not yours" not in archive.read("messages.json").decode()


def test_delete_account_form_keeps_choices_and_explains_errors(member_client):
    response = member_client.post(
        reverse("account_delete"), {"contributions": "delete", "password": "nope"}
    )
    page = response.content.decode()
    assert "That is not your password." in page and "Tick the box to confirm." in page
    assert re.search(r'value="delete"[^>]*checked', page)
    assert User.objects.filter(pk=response.wsgi_request.user.pk).exists()


def test_deleted_account_leaves_no_readable_trace_and_posts_show_deleted_member(
    db, django_capture_on_commit_callbacks
):
    user = member_with_history()
    client, other_device = signed_in(user), signed_in(user)
    entry = create_entry(client, evidence=[upload("note.txt", b"evidence bytes")])
    stored = evidence_path(entry.evidence.get().stored_name)
    before = database_dump()
    assert EMAIL in before and PSEUDONYM in before

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_delete"),
            {"contributions": "keep", "password": PASSWORD, "confirm": "on"},
        )
    assert response.status_code == 200
    assert "Your account has been deleted" in response.content.decode()
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'

    after = database_dump()
    for trace in (EMAIL, PSEUDONYM, "Backend engineer, bio text", SECRET):
        assert trace not in after, trace
    assert not stored.exists()
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Profile.objects.filter(pseudonym=PSEUDONYM).exists()
    assert not JournalEntry.objects.exists()
    # Kept, but by nobody: the templates show "Former member" for a null author.
    post = Post.objects.get(body=POST_BODY)
    assert post.author_id is None
    assert Message.objects.get(body=MESSAGE_BODY).sender_id is None
    # Every session ended, on every device.
    assert other_device.get(reverse("journal")).status_code == 302
    other_key = other_device.cookies[settings.SESSION_COOKIE_NAME].value
    assert not Session.objects.filter(session_key=other_key).exists()


def test_deleting_account_with_contributions_deleted_blanks_posts_and_messages(
    db, django_capture_on_commit_callbacks
):
    user = member_with_history()
    client = signed_in(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_delete"),
            {"contributions": "delete", "password": PASSWORD, "confirm": "on"},
        )
    after = database_dump()
    for trace in (POST_BODY, MESSAGE_BODY, "an older wording", EMAIL, PSEUDONYM):
        assert trace not in after, trace
    assert Post.objects.get().deleted_at is not None
    assert Message.objects.get().deleted_at is not None


@pytest.mark.django_db(transaction=True)
async def test_deleting_the_account_closes_its_open_sockets():
    user = await db(make_member)()
    socket = await open_socket(user)

    def delete():
        signed_in(user).post(
            reverse("account_delete"),
            {"contributions": "keep", "password": PASSWORD, "confirm": "on"},
        )

    await db(delete)()
    assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": 4001}
    await socket.disconnect()


def test_data_rights_page_links_export_wipe_and_delete(member_client):
    page = member_client.get(reverse("data_rights")).content.decode()
    for name in ("data_export", "journal_wipe", "account_delete"):
        assert reverse(name) in page
    assert reverse("data_rights") in member_client.get(reverse("settings")).content.decode()
