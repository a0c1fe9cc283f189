"""The journal journey in real Chromium: record an incident with a photo (its GPS tag is gone
afterwards), edit it, check integrity, export PDF and JSON, share one entry with the advocate
and revoke it; other accounts and staff get 404; the data-rights pages."""

import io
import json
import re

import pytest
from playwright.sync_api import expect

from community.models import JournalEntry
from community.services.journal_evidence import read_evidence_bytes
from tests.community.advocates_helpers import accepted_request, make_advocate
from tests.community.test_journal import jpeg_with_gps
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.browser

WHAT_HAPPENED = "In the sprint review Dana said my work was 'diversity hiring'."


def test_record_edit_verify_export_share_and_revoke(browser_session, axe, tmp_path):
    from PIL import Image

    member = make_member(pseudonym="SteadyOtter21")
    advocate = make_advocate(pseudonym="KindLighthouse5")
    support_request = accepted_request(member=member, advocate=advocate)
    session = browser_session()
    session.login(member)
    page = session.page

    # A new session: the journal asks for the password first, then opens.
    page.goto("/journal/")
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next=%2Fjournal%2F$"))
    axe(page, "on the journal's unlock page")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(re.compile(r"/journal/$"))
    axe(page, "on the empty journal")
    page.get_by_role("link", name="Record an incident").click()
    axe(page, "on the new entry form")
    page.get_by_label("Short title").fill("Sprint review remark")
    page.get_by_label("Date it happened").fill("2026-03-14")
    page.get_by_label("How it happened").select_option("video_call")
    page.get_by_label("People involved").fill("Dana (team lead)")
    page.get_by_label("What happened").fill(WHAT_HAPPENED)
    page.get_by_label("Evidence (optional)").set_input_files(
        [{"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator(".messages")).to_contain_text("saved and encrypted")
    expect(page.locator("h1")).to_contain_text("Sprint review remark")

    entry = JournalEntry.objects.get(owner=member)
    evidence = entry.evidence.get()
    stored = read_evidence_bytes(evidence)
    assert not Image.open(io.BytesIO(stored)).getexif()  # no GPS, no camera, nothing
    expect(page.locator(".journal-evidence")).to_contain_text(evidence.sha256)
    axe(page, "on the entry page")

    page.get_by_role("link", name="Edit or add evidence").click()
    expect(page.get_by_label("What happened")).to_have_value(WHAT_HAPPENED)
    page.get_by_label("What happened").fill(WHAT_HAPPENED + " Sam heard it too.")
    page.get_by_label("Witnesses").fill("Sam")
    page.get_by_role("button", name="Save entry").click()
    expect(page.locator(".messages")).to_contain_text("earlier ones are kept")
    expect(page.locator(".journal-history > li")).to_have_count(2)

    page.get_by_role("link", name="Check integrity").click()
    expect(page.locator("#verdict")).to_have_text("Intact: nothing has changed.")
    axe(page, "on the integrity check")

    page.get_by_role("link", name="Export").first.click()
    axe(page, "on the export page")
    page.get_by_label("PDF, ready to print").check()
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Download").click()
    pdf_path = tmp_path / "journal.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    page.get_by_label("JSON, for a computer to check").check()
    with page.expect_download() as json_download:
        page.get_by_role("button", name="Download").click()
    json_path = tmp_path / "journal.json"
    json_download.value.save_as(json_path)
    exported = json.loads(json_path.read_text())
    assert len(exported["entries"][0]["versions"]) == 2
    assert exported["entries"][0]["evidence"][0]["sha256"] == evidence.sha256

    # Share with the advocate, who reads it read-only; then revoke.
    page.goto(f"/journal/entries/{entry.public_id}/")
    page.get_by_label("Share read-only with the advocate of").select_option(str(support_request.pk))
    page.get_by_role("button", name="Share this entry").click()
    expect(page.locator(".journal-shares")).to_contain_text("Shared read-only")

    advocate_session = browser_session()
    advocate_session.login(advocate)
    shared_url = f"/journal/shared/request/{support_request.pk}/"
    advocate_session.page.goto(shared_url)
    expect(advocate_session.page.locator("main")).to_contain_text("Sam heard it too.")
    axe(advocate_session.page, "on the advocate's shared-entries page")

    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("heading", name="Stop sharing this entry?")).to_be_visible()
    page.get_by_role("button", name="Revoke sharing").click()
    expect(page.locator(".messages")).to_contain_text("Sharing revoked")
    advocate_session.page.reload()
    expect(advocate_session.page.locator("main")).to_contain_text("Nothing is shared")
    expect(advocate_session.page.locator("main")).not_to_contain_text("Sam heard it too.")

    # Another member and staff: 404 on the entry, its file and its edit page.
    for outsider in (make_member(), make_member(staff=True, mfa=True)):
        other = browser_session()
        other.login(outsider)
        other.unlock_journal()
        for url in (
            f"/journal/entries/{entry.public_id}/",
            f"/journal/entries/{entry.public_id}/edit/",
            f"/journal/evidence/{evidence.public_id}/",
        ):
            assert other.page.request.get(url).status == 404, url


def test_reminders_wipe_and_data_rights_pages_are_accessible(browser_session, axe):
    session = browser_session()
    session.login(make_member())
    session.unlock_journal()
    page = session.page
    page.goto("/journal/reminders/")
    axe(page, "on the reminders page")
    page.get_by_label("Date").fill("2026-01-02")
    page.get_by_label("What to remember").fill("Send the grievance letter")
    page.get_by_role("button", name="Add reminder").click()
    page.goto("/journal/")
    expect(page.locator(".journal-reminders-due")).to_contain_text("Send the grievance letter")
    axe(page, "on the journal page with a reminder due")

    page.goto("/journal/wipe/")
    page.get_by_role("button", name="Wipe my journal").click()
    expect(page.locator(".errorlist")).to_contain_text("Tick the box to confirm.")
    axe(page, "on the wipe page with an error")

    page.goto("/settings/my-data/")
    axe(page, "on the data rights page")
    page.get_by_role("link", name="Delete my account").first.click()
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.locator("main")).to_contain_text("Tick the box to confirm.")
    axe(page, "on the delete-account form with errors")
