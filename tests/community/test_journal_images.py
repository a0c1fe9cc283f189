"""Journal images (issue 13 defect 7): thumbnails on the owner's entry page, the full image
through the same owner check, the images in the PDF export; and the export's readable date
and plurals."""

import datetime
import io
import re
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from community.encryption import encrypt_bytes
from community.models import JournalEvidence, Profile
from community.services.journal_evidence import evidence_path
from community.services.journal_export import exported_sentence
from tests.community.test_journal import create_entry, upload
from tests.factories import make_member, unlock_journal

MADRID = "Europe/Madrid"


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return unlock_journal(client)


def image_bytes(size=(1600, 900), image_format="PNG", color=(20, 120, 200)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, color).save(output, format=image_format)
    return output.getvalue()


def entry_with_files(client, *files):
    entry = create_entry(client, evidence=[upload(name, data) for name, data in files])
    return entry, {item.original_name: item for item in entry.evidence.all()}


def signed_in_with_journal_open(user) -> Client:
    client = Client()
    client.force_login(user)
    return unlock_journal(client)


def pdf_images(content: bytes) -> list[tuple[int, int]]:
    """(width, height) of every image XObject on every page of the PDF."""
    sizes = []
    for page in PdfReader(io.BytesIO(content)).pages:
        resources = page.get("/Resources") or {}
        objects = resources.get("/XObject") or {}
        for reference in objects.values():
            xobject = reference.get_object()
            if xobject.get("/Subtype") == "/Image":
                sizes.append((int(xobject["/Width"]), int(xobject["/Height"])))
    return sizes


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


# --- The entry page ----------------------------------------------------------------------


def test_the_entry_page_shows_each_image_as_a_thumbnail_linked_to_the_full_image(
    member_client,
):
    entry, files = entry_with_files(
        member_client,
        ("whiteboard.png", image_bytes()),
        ("notes.txt", b"What Dana said, word for word."),
    )
    image, text = files["whiteboard.png"], files["notes.txt"]
    page = member_client.get(reverse("journal_entry", args=[entry.public_id])).content.decode()

    thumbnail_url = reverse("journal_evidence_thumbnail", args=[image.public_id])
    full_url = reverse("journal_evidence_image", args=[image.public_id])
    assert re.search(
        rf'<a class="journal-thumbnail-link" href="{full_url}">.*?<img class="journal-thumbnail" '
        rf'src="{thumbnail_url}" alt="whiteboard.png"',
        page,
    )
    # The text file is listed by name, with no picture.
    assert "notes.txt" in page
    assert reverse("journal_evidence_thumbnail", args=[text.public_id]) not in page
    # No file path and no stored name reach the page.
    assert image.stored_name not in page and "/media/" not in page


def test_the_thumbnail_is_a_small_private_copy(member_client):
    entry, files = entry_with_files(member_client, ("wide.png", image_bytes((1600, 900))))
    response = member_client.get(
        reverse("journal_evidence_thumbnail", args=[files["wide.png"].public_id])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    thumbnail = Image.open(io.BytesIO(response.content))
    assert max(thumbnail.size) == 480 and thumbnail.size == (480, 270)


def test_the_full_image_opens_in_the_browser_for_its_owner(member_client):
    entry, files = entry_with_files(member_client, ("photo.jpg", image_bytes((64, 48), "JPEG")))
    response = member_client.get(
        reverse("journal_evidence_image", args=[files["photo.jpg"].public_id])
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert "no-store" in response["Cache-Control"]
    assert Image.open(io.BytesIO(response.content)).size == (64, 48)


@pytest.mark.parametrize(
    "someone", ["another member", "a site moderator", "staff"], ids=lambda name: name
)
@pytest.mark.parametrize("url_name", ["journal_evidence_thumbnail", "journal_evidence_image"])
def test_nobody_but_the_owner_gets_the_image(member_client, someone, url_name):
    entry, files = entry_with_files(member_client, ("photo.png", image_bytes((64, 48))))
    user = {
        "another member": lambda: make_member(),
        "a site moderator": lambda: make_member(site_moderator=True),
        "staff": lambda: make_member(staff=True),
    }[someone]()
    other = signed_in_with_journal_open(user)
    response = other.get(reverse(url_name, args=[files["photo.png"].public_id]))
    assert response.status_code == 404
    assert response.content.find(b"\x89PNG") == -1


def test_signed_out_gets_the_sign_in_page_not_the_image(member_client):
    entry, files = entry_with_files(member_client, ("photo.png", image_bytes((64, 48))))
    response = Client().get(
        reverse("journal_evidence_thumbnail", args=[files["photo.png"].public_id])
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_locked_journal_asks_for_the_password_before_the_image(client, member):
    client.force_login(member)
    unlock_journal(client)
    entry, files = entry_with_files(client, ("photo.png", image_bytes((64, 48))))
    locked = Client()
    locked.force_login(member)
    response = locked.get(
        reverse("journal_evidence_thumbnail", args=[files["photo.png"].public_id])
    )
    assert response.status_code == 302 and "reauthenticate" in response["Location"]


def test_a_file_that_is_not_an_image_has_no_thumbnail(member_client):
    entry, files = entry_with_files(member_client, ("notes.txt", b"plain words"))
    for url_name in ("journal_evidence_thumbnail", "journal_evidence_image"):
        response = member_client.get(reverse(url_name, args=[files["notes.txt"].public_id]))
        assert response.status_code == 404


def damage(evidence: JournalEvidence) -> None:
    """The stored file decrypts, but to bytes no image library can read."""
    evidence_path(evidence.stored_name).write_bytes(encrypt_bytes(b"\x89PNG\r\n\x1a\n broken"))


def test_a_damaged_image_gets_a_placeholder_and_nothing_breaks(member_client):
    entry, files = entry_with_files(member_client, ("photo.png", image_bytes((64, 48))))
    damage(files["photo.png"])
    page = member_client.get(reverse("journal_entry", args=[entry.public_id]))
    assert page.status_code == 200
    response = member_client.get(
        reverse("journal_evidence_thumbnail", args=[files["photo.png"].public_id])
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"could not be read" in response.content

    pdf = member_client.post(reverse("journal_export"), {"format": "pdf"})
    assert pdf.status_code == 200
    assert "This image could not be read" in pdf_text(pdf.content)
    assert pdf_images(pdf.content) == []


def test_a_missing_image_file_gets_a_placeholder(member_client):
    entry, files = entry_with_files(member_client, ("photo.png", image_bytes((64, 48))))
    evidence_path(files["photo.png"].stored_name).unlink()
    response = member_client.get(
        reverse("journal_evidence_thumbnail", args=[files["photo.png"].public_id])
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"


# --- The PDF export ------------------------------------------------------------------------


def test_the_pdf_embeds_images_at_page_width_and_lists_other_files_by_name(member_client):
    entry, files = entry_with_files(
        member_client,
        ("whiteboard.png", image_bytes((2400, 1200))),
        ("small.jpg", image_bytes((64, 48), "JPEG")),
        ("notes.txt", b"What Dana said."),
    )
    pdf = member_client.post(reverse("journal_export"), {"format": "pdf"})
    assert pdf.status_code == 200
    # The large image is scaled down before embedding (at most 2000 px a side); the small one
    # is embedded as it is.
    assert sorted(pdf_images(pdf.content)) == [(64, 48), (2000, 1000)]
    text = pdf_text(pdf.content)
    assert "notes.txt" in text and "whiteboard.png" in text


def test_the_export_date_is_readable_in_the_members_zone():
    moment = datetime.datetime(2026, 12, 2, 4, 41, 43, 219778, tzinfo=datetime.UTC)
    with timezone.override(MADRID):
        assert exported_sentence(moment) == "Exported 2 December 2026 at 05:41."


def test_the_pdf_cover_says_when_in_the_members_zone_and_counts_entries(member_client, member):
    Profile.objects.filter(user=member).update(time_zone=MADRID)
    client = signed_in_with_journal_open(member)  # a new sign-in picks the zone up
    create_entry(client)
    madrid = zoneinfo.ZoneInfo(MADRID)
    before = timezone.now().astimezone(madrid)
    text = pdf_text(client.post(reverse("journal_export"), {"format": "pdf"}).content)
    after = timezone.now().astimezone(madrid)
    expected = {
        f"Exported {moment.day} {moment:%B} {moment.year} at {moment:%H:%M}. 1 entry."
        for moment in (before, after)
    }
    assert any(sentence in text for sentence in expected), text[:300]
    assert "+00:00" not in text.split("Integrity")[0]

    create_entry(client, title="The second time")
    text = pdf_text(client.post(reverse("journal_export"), {"format": "pdf"}).content)
    assert " 2 entries." in text and "1 entries" not in text


def test_the_full_image_page_may_style_itself_but_run_nothing(member_client):
    entry, files = entry_with_files(member_client, ("photo.png", image_bytes((64, 48))))
    response = member_client.get(
        reverse("journal_evidence_image", args=[files["photo.png"].public_id])
    )
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "style-src 'unsafe-inline'" in policy
    assert "script-src" not in policy
