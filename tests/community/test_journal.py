import datetime
import hashlib
import io
import json
import zipfile

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from community.encryption import encrypt_bytes
from community.models import JournalEntry, JournalEvidence, JournalReminder, JournalVersion
from community.selectors.journal import verify_chain
from community.services.journal_evidence import evidence_path, read_evidence_bytes
from tests.factories import make_member, unlock_journal

SECRET = "Dana from Platform shouted at me in the retro"


@pytest.fixture
def member_client(client, member):
    """Signed in, with the journal unlocked as its lock asks in every new session."""
    client.force_login(member)
    return unlock_journal(client)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPS IFD
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def entry_data(**overrides) -> dict:
    data = {
        "title": "Retro shouting",
        "occurred_on": "2026-03-14",
        "occurred_time": "10:30",
        "date_is_approximate": "",
        "channel": "video_call",
        "place": "Weekly retro call",
        "people_involved": "Dana (team lead)",
        "witnesses": "Sam, Priya",
        "what_happened": SECRET,
        "effect": "Could not sleep",
        "actions_taken": "Told my manager on the 15th; no answer",
        "retaliation_for": "",
    }
    data.update(overrides)
    return data


def create_entry(client, **overrides) -> JournalEntry:
    evidence = overrides.pop("evidence", None)
    data = entry_data(**overrides)
    if evidence is not None:
        data["evidence"] = evidence
    response = client.post(reverse("journal_entry_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return JournalEntry.objects.order_by("-id").first()


def raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
        return repr(cursor.fetchall())


def test_entry_is_encrypted_at_rest_and_readable_by_its_owner(member_client):
    entry = create_entry(member_client)
    for table in ("community_journalentry", "community_journalversion"):
        rows = raw_rows(table)
        for plaintext in (
            SECRET,
            "Retro shouting",
            "Dana",
            "2026-03-14",
            "video_call",
            "Weekly retro",
            "Could not sleep",
        ):
            assert plaintext not in rows
    page = member_client.get(reverse("journal_entry", args=[entry.public_id]))
    assert SECRET in page.content.decode()
    assert entry.current_version.occurred_on == datetime.date(2026, 3, 14)


def test_photo_loses_its_gps_tag_and_its_hash_is_recorded_and_shown(member_client):
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original and Image.open(io.BytesIO(original)).getexif().get(0x8825)
    entry = create_entry(member_client, evidence=[upload("IMG_0042.jpg", original)])
    evidence = JournalEvidence.objects.get(entry=entry)

    raw_file = evidence_path(evidence.stored_name).read_bytes()
    assert not raw_file.startswith(b"\xff\xd8") and b"PhoneMaker" not in raw_file
    stored = read_evidence_bytes(evidence)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif() and b"Exif" not in stored and b"PhoneMaker" not in stored
    assert hashlib.sha256(stored).hexdigest() == evidence.sha256
    assert evidence.sha256 not in raw_rows("community_journalevidence")
    assert "IMG_0042" not in raw_rows("community_journalevidence")

    page = member_client.get(reverse("journal_entry", args=[entry.public_id])).content.decode()
    assert evidence.sha256 in page
    download = member_client.get(reverse("journal_evidence", args=[evidence.public_id]))
    assert download["Content-Type"] == "image/jpeg"
    assert (
        b"".join(download.streaming_content if download.streaming else [download.content]) == stored
    )


def test_text_evidence_is_kept_byte_for_byte_and_a_pdf_page_for_page(member_client):
    """A PDF is rewritten without its metadata (tests/community/test_privacy_defects.py), its
    pages as they were."""
    from fpdf import FPDF
    from pypdf import PdfReader

    document = FPDF()
    for number in (1, 2):
        document.add_page()
        document.set_font("helvetica", size=12)
        document.cell(text=f"Page {number} of the complaint")
    pdf = bytes(document.output())
    text = b"Slack message copied out, 14:02\n"
    entry = create_entry(member_client, evidence=[upload("a.pdf", pdf), upload("b.txt", text)])
    stored = {item.kind: read_evidence_bytes(item) for item in entry.evidence.all()}
    assert stored["text"] == text
    pages = PdfReader(io.BytesIO(stored["pdf"])).pages
    assert [page.extract_text() for page in pages] == [
        "Page 1 of the complaint",
        "Page 2 of the complaint",
    ]


def test_file_whose_content_is_not_an_allowed_type_is_refused_and_typed_text_kept(
    member_client,
):
    response = member_client.post(
        reverse("journal_entry_create"),
        {
            **entry_data(),
            "evidence": [upload("holiday.jpg", b"MZ\x90\x00\x03binary\x00\xff")],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not an image (JPEG, PNG, WebP, GIF), a PDF or plain text" in page
    assert SECRET in page  # what the member typed is still there
    assert not JournalEntry.objects.exists()


def test_too_large_file_is_refused_with_a_clear_error(member_client, settings):
    big = b"a" * (8 * 1024 * 1024 + 1)
    response = member_client.post(
        reverse("journal_entry_create"),
        {
            **entry_data(),
            "evidence": [upload("notes.txt", big)],
        },
    )
    assert "is larger than 8 MB" in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_edit_keeps_the_earlier_version_and_extends_the_chain(member_client, member):
    entry = create_entry(member_client)
    response = member_client.post(
        reverse("journal_entry_edit", args=[entry.public_id]),
        {
            **entry_data(what_happened="Corrected: it was in the planning call"),
            "evidence": [upload("later.txt", b"follow-up email")],
        },
    )
    assert response.status_code == 302
    versions = list(entry.versions.order_by("number"))
    assert [version.what_happened for version in versions] == [
        SECRET,
        "Corrected: it was in the planning call",
    ]
    assert versions[1].previous_hash == versions[0].entry_hash
    assert [version.chain_position for version in versions] == [1, 2]
    entry.refresh_from_db()
    assert entry.current_version_id == versions[1].pk
    report = verify_chain(owner_id=member.pk)
    assert report.intact and report.versions_checked == 2 and report.files_checked == 1
    page = member_client.get(reverse("journal_verify")).content.decode()
    assert "Intact: nothing has changed." in page


def test_retaliation_link_points_to_an_earlier_entry_of_the_owner(member_client):
    first = create_entry(member_client, title="I reported Dana")
    second = create_entry(
        member_client, title="Moved off the project", retaliation_for=first.public_id
    )
    assert second.current_version.retaliation_for_id == first.pk
    page = member_client.get(reverse("journal_entry", args=[second.public_id])).content.decode()
    assert reverse("journal_entry", args=[first.public_id]) in page


def test_changing_a_saved_version_in_the_database_is_detected(member_client, member):
    entry = create_entry(member_client)
    create_entry(member_client, title="Second")
    # Someone with database access rewrites the first version (properly encrypted).
    JournalVersion.objects.filter(entry=entry).update(what_happened="Nothing happened")
    page = member_client.get(reverse("journal_verify")).content.decode()
    assert "Changes found." in page and "has changed" in page
    assert not verify_chain(owner_id=member.pk).intact


def test_deleting_a_version_breaks_the_chain(member_client, member):
    entry = create_entry(member_client)
    member_client.post(
        reverse("journal_entry_edit", args=[entry.public_id]),
        entry_data(what_happened="second wording"),
    )
    member_client.post(
        reverse("journal_entry_edit", args=[entry.public_id]),
        entry_data(what_happened="third wording"),
    )
    entry.refresh_from_db()
    JournalVersion.objects.filter(entry=entry, number=2).delete()
    report = verify_chain(owner_id=member.pk)
    assert not report.intact and any("broken" in problem for problem in report.problems)


def test_replacing_an_evidence_file_is_detected(member_client, member):
    entry = create_entry(member_client, evidence=[upload("note.txt", b"original")])
    evidence = entry.evidence.get()
    evidence_path(evidence.stored_name).write_bytes(encrypt_bytes(b"forged"))
    report = verify_chain(owner_id=member.pk)
    assert not report.intact and "note.txt" in report.problems[0]


# (URL name, which id it takes, what a GET answers): the POST-only ones refuse the method
# before anything is looked up, so their 405 says nothing about the row.
JOURNAL_URLS = [
    ("journal_entry", "entry", 404),
    ("journal_entry_edit", "entry", 404),
    ("journal_evidence", "evidence", 404),
    ("journal_reminder_dismiss", "reminder", 405),
    ("journal_reminder_delete", "reminder", 405),
]


@pytest.mark.parametrize("role", ["member", "staff", "site_moderator"])
def test_every_journal_url_is_404_for_every_other_account(member_client, member, role):
    entry = create_entry(member_client, evidence=[upload("n.txt", b"evidence")])
    reminder = JournalReminder.objects.create(
        owner=member, due_on=datetime.date(2026, 1, 1), note="deadline"
    )
    ids = {
        "entry": entry.public_id,
        "evidence": entry.evidence.get().public_id,
        "reminder": reminder.pk,
    }
    other = make_member(
        staff=role == "staff", site_moderator=role == "site_moderator", mfa=role != "member"
    )
    client = Client()
    client.force_login(other)
    unlock_journal(client)
    for name, kind, answer_to_get in JOURNAL_URLS:
        url = reverse(name, args=[ids[kind]])
        assert client.get(url).status_code == answer_to_get, url
        assert client.post(url, entry_data()).status_code == 404, url
    # Their own journal pages show none of the owner's entries.
    for name in ("journal", "journal_verify"):
        assert "Retro shouting" not in client.get(reverse(name)).content.decode()
    search = client.post(reverse("journal"), {"query": "retro"}).content.decode()
    assert "Retro shouting" not in search and "1 matching entry" not in search
    export = client.post(reverse("journal_export"), {"format": "json"})
    assert json.loads(export.content)["entries"] == []
    assert JournalReminder.objects.get(pk=reminder.pk).dismissed_at is None
    assert entry.versions.count() == 1


def test_anonymous_visitor_is_sent_to_login_for_the_journal(client):
    assert client.get(reverse("journal")).status_code == 302


def test_journal_models_are_not_in_the_admin():
    registered = {model.__name__ for model in admin.site._registry}
    assert not registered & {
        "JournalEntry",
        "JournalVersion",
        "JournalEvidence",
        "JournalReminder",
        "JournalShare",
    }


def test_search_is_posted_and_never_in_a_url_or_a_log_line(member_client, caplog):
    caplog.set_level("DEBUG")
    create_entry(member_client)
    create_entry(member_client, title="Other", what_happened="Lunch was fine")
    response = member_client.post(reverse("journal"), {"query": "retro SHOUTED"})
    page = response.content.decode()
    assert "1 matching entry" in page and "Retro shouting" in page
    assert 'method="post" class="journal-search"' in page
    # A GET with a query string does not search.
    page = member_client.get(reverse("journal") + "?query=retro").content.decode()
    assert "matching" not in page
    assert "retro SHOUTED" not in caplog.text and SECRET not in caplog.text
    # Should a view ever fail, Django's error report hides what was posted.
    assert response.wsgi_request.sensitive_post_parameters == "__ALL__"


def test_entry_list_query_count_does_not_grow_with_entries(
    member_client, member, django_assert_num_queries
):
    def add_entries(count):
        for number in range(count):
            create_entry(member_client, title=f"Entry {number}")

    add_entries(5)
    # Session, account, entries with their current version and counts, reminders.
    with django_assert_num_queries(4):
        member_client.get(reverse("journal"))
    add_entries(45)
    with django_assert_num_queries(4):
        response = member_client.get(reverse("journal"))
    assert response.content.decode().count('class="card"') == 50


def test_due_reminders_show_on_the_journal_page_and_future_ones_do_not(member_client, member):
    today = timezone.localdate()
    response = member_client.post(
        reverse("journal_reminders"),
        {"due_on": today.isoformat(), "note": "File the grievance form"},
    )
    assert response.status_code == 302
    member_client.post(
        reverse("journal_reminders"),
        {"due_on": (today + datetime.timedelta(days=30)).isoformat(), "note": "Tribunal form"},
    )
    assert "File the grievance form" not in raw_rows("community_journalreminder")
    page = member_client.get(reverse("journal")).content.decode()
    assert "Reminders due" in page and "File the grievance form" in page
    assert "Tribunal form" not in page
    due = next(
        reminder
        for reminder in JournalReminder.objects.filter(owner=member)
        if reminder.note == "File the grievance form"
    )
    member_client.post(reverse("journal_reminder_dismiss", args=[due.pk]), {"back_to": "journal"})
    assert "File the grievance form" not in member_client.get(reverse("journal")).content.decode()


def test_reminder_form_keeps_input_and_explains_errors(member_client):
    response = member_client.post(
        reverse("journal_reminders"), {"due_on": "not a date", "note": "Call the union"}
    )
    page = response.content.decode()
    assert "Enter a valid date." in page and "Call the union" in page


def test_export_pdf_json_and_zip_with_evidence(member_client, member):
    entry = create_entry(
        member_client,
        title="Zoë’s “feedback” — 日本 😀",
        evidence=[upload("p.jpg", jpeg_with_gps())],
    )
    member_client.post(
        reverse("journal_entry_edit", args=[entry.public_id]),
        entry_data(what_happened="Second wording"),
    )
    evidence = entry.evidence.get()

    pdf = member_client.post(reverse("journal_export"), {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "attachment;" in pdf["Content-Disposition"]

    exported = json.loads(member_client.post(reverse("journal_export"), {"format": "json"}).content)
    report = verify_chain(owner_id=member.pk)
    assert exported["chain"]["head_hash"] == report.head_hash
    assert exported["chain"]["intact_when_exported"] is True
    [record] = exported["entries"]
    assert [v["payload"]["what_happened"] for v in record["versions"]] == [SECRET, "Second wording"]
    assert record["evidence"][0]["sha256"] == evidence.sha256
    # Anyone can recompute the chain from the export alone, with the documented recipe.
    previous = exported["chain"]["genesis_hash"]
    for version in record["versions"]:
        canonical = json.dumps(
            version["payload"], sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        assert hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest() == version["hash"]
        previous = version["hash"]

    bundle = member_client.post(
        reverse("journal_export"), {"format": "pdf", "include_evidence": "on"}
    )
    assert bundle["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        names = archive.namelist()
        [evidence_name] = [name for name in names if name.startswith("evidence/")]
        assert hashlib.sha256(archive.read(evidence_name)).hexdigest() == evidence.sha256
        assert any(name.endswith(".pdf") for name in names)


def test_wipe_needs_confirmation_then_destroys_entries_files_and_reminders(
    member_client, member, other_member, django_capture_on_commit_callbacks
):
    entry = create_entry(member_client, evidence=[upload("n.txt", b"evidence")])
    stored = evidence_path(entry.evidence.get().stored_name)
    JournalReminder.objects.create(owner=member, due_on=datetime.date(2026, 1, 1), note="x")
    other_client = Client()
    other_client.force_login(other_member)
    unlock_journal(other_client)
    create_entry(other_client, title="Not mine to wipe")

    response = member_client.post(reverse("journal_wipe"), {})
    assert "Tick the box to confirm." in response.content.decode()
    assert JournalEntry.objects.filter(owner=member).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(reverse("journal_wipe"), {"confirm": "on"})
    assert response.status_code == 302
    assert not JournalEntry.objects.filter(owner=member).exists()
    assert not JournalVersion.objects.filter(entry__owner=member).exists()
    assert not JournalReminder.objects.filter(owner=member).exists()
    assert not stored.exists()
    assert JournalEntry.objects.filter(owner=other_member).count() == 1


def test_saving_an_unchanged_entry_adds_no_version(member_client):
    entry = create_entry(member_client)
    response = member_client.post(
        reverse("journal_entry_edit", args=[entry.public_id]), entry_data(), follow=True
    )
    assert "Nothing was changed" in response.content.decode()
    assert entry.versions.count() == 1


def test_entries_are_listed_by_when_they_happened(member_client):
    create_entry(member_client, title="Later incident", occurred_on="2026-05-01")
    create_entry(member_client, title="Earlier incident", occurred_on="2026-02-01")
    page = member_client.get(reverse("journal")).content.decode()
    assert page.index("Later incident") < page.index("Earlier incident")


def test_png_text_chunks_and_palette_are_dropped_but_pixels_kept(member_client):
    from PIL import PngImagePlugin

    image = Image.new("P", (10, 10), 3)
    image.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 756)
    info = PngImagePlugin.PngInfo()
    info.add_text("XML:com.adobe.xmp", "<x:xmpmeta>GPSLatitude 52.5</x:xmpmeta>")
    info.add_text("Author", "Real Name")
    output = io.BytesIO()
    image.save(output, format="PNG", pnginfo=info)
    entry = create_entry(member_client, evidence=[upload("screen.png", output.getvalue())])
    stored = read_evidence_bytes(entry.evidence.get())
    assert b"xmpmeta" not in stored and b"Real Name" not in stored
    cleaned = Image.open(io.BytesIO(stored))
    assert cleaned.format == "PNG" and not cleaned.info.get("Author")
    assert cleaned.convert("RGB").getpixel((5, 5)) == (0, 0, 255)


def test_a_broken_image_is_refused_with_a_clear_error(member_client):
    output = io.BytesIO()
    Image.effect_noise((256, 256), 60).convert("RGB").save(output, format="JPEG")
    truncated = output.getvalue()[:-4000]  # headers intact, pixel data cut short
    response = member_client.post(
        reverse("journal_entry_create"),
        {**entry_data(), "evidence": [upload("cut.jpg", truncated)]},
    )
    assert "could not be read as an image" in response.content.decode()
    assert not JournalEntry.objects.exists()
