"""The privacy defects issue 14 found, each pinned by a test that failed before its fix."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from fpdf import FPDF

from community.models import JournalEvidence, Post, SupportFeedback, SupportRequest
from community.services.journal_evidence import read_evidence_bytes
from community.services.support_requests import (
    hand_over_support_request,
    leave_support_feedback,
    resolve_support_request,
)
from tests.community.advocates_helpers import make_advocate, specialty
from tests.community.groups_helpers import add_member, make_group
from tests.community.test_journal import create_entry, upload
from tests.factories import PASSWORD, make_member, signed_in, unlock_journal

REAL_NAME = "Jordan Realname-Ashworth"


@pytest.fixture
def member_client(client, member):
    """Signed in, with the journal unlocked as its lock asks in every new session."""
    client.force_login(member)
    return unlock_journal(client)


# --- PDF evidence keeps no metadata ----------------------------------------------------------

XMP = f"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <dc:creator><rdf:Seq><rdf:li>{REAL_NAME}</rdf:li></rdf:Seq></dc:creator>
   <xmp:CreatorTool>ContosoWord for {REAL_NAME}</xmp:CreatorTool>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"""


def pdf_with_metadata() -> bytes:
    pdf = FPDF()
    pdf.set_author(REAL_NAME)
    pdf.set_creator(f"ContosoWord on LAPTOP-{REAL_NAME}")
    pdf.set_producer("ContosoPDF 3.1 (licensed to Contoso Ltd)")
    pdf.set_title("Grievance draft")
    pdf.set_xmp_metadata(XMP)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="The meeting on the 14th")
    data = bytes(pdf.output())
    assert REAL_NAME.encode() in data  # the sample really carries the name
    return data


def assert_no_metadata(data: bytes) -> None:
    assert data.startswith(b"%PDF-")
    assert REAL_NAME.encode() not in data
    for leftover in (b"ContosoWord", b"ContosoPDF", b"Grievance draft", b"x:xmpmeta"):
        assert leftover not in data, leftover
    reader = pypdf.PdfReader(io.BytesIO(data))
    info = reader.metadata or {}
    for key in ("/Author", "/Creator", "/Producer", "/Title"):
        assert key not in info, key
    assert reader.xmp_metadata is None
    assert "/Metadata" not in reader.trailer["/Root"]
    # What the member attached is still there.
    assert "The meeting on the 14th" in reader.pages[0].extract_text()


def test_pdf_evidence_is_stored_and_downloaded_without_its_metadata(member, member_client):
    entry = create_entry(member_client, evidence=[upload("draft.pdf", pdf_with_metadata())])
    evidence = entry.evidence.get()
    assert evidence.kind == JournalEvidence.Kind.PDF
    assert_no_metadata(read_evidence_bytes(evidence))
    download = member_client.get(reverse("journal_evidence", args=[evidence.public_id]))
    assert download.status_code == 200
    assert_no_metadata(download.content)


def test_the_advocate_of_an_aliased_request_learns_no_name_from_a_shared_pdf(member, member_client):
    advocate = make_advocate(pseudonym="SteadyHarbour3")
    support_request = SupportRequest.objects.create(
        member=member,
        advocate=advocate,
        specialty=specialty("legal"),
        summary="I need advice on a grievance",
        language="en",
        alias="Quiet Fern",
        status=SupportRequest.Status.ACCEPTED,
    )
    entry = create_entry(member_client, evidence=[upload("draft.pdf", pdf_with_metadata())])
    member_client.post(
        reverse("journal_entry_share", args=[entry.public_id]),
        {"support_request": support_request.pk},
    )
    evidence = entry.evidence.get()
    download = unlock_journal(signed_in(advocate)).get(
        reverse("journal_shared_evidence", args=[support_request.pk, evidence.public_id])
    )
    assert download.status_code == 200
    assert_no_metadata(download.content)
    assert member.profile.pseudonym.encode() not in download.content


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\nnot really a pdf at all", b"%PDF-1.4\n" + b"\x00" * 64],
    ids=["garbage", "zeros"],
)
def test_a_pdf_that_cannot_be_read_is_refused_with_a_clear_error_and_keeps_the_entry(
    member_client, data
):
    from tests.community.test_journal import entry_data

    form = entry_data()
    form["evidence"] = [upload("broken.pdf", data)]
    response = member_client.post(reverse("journal_entry_create"), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "could not be read as a PDF" in page
    # Nothing typed is lost.
    assert form["what_happened"] in page
    assert not JournalEvidence.objects.exists()


# --- feedback after a hand-over ---------------------------------------------------------------


def test_feedback_after_a_hand_over_credits_the_advocate_who_resolved_it(member, client):
    first = make_advocate(pseudonym="FirstAnswer8")
    second = make_advocate(pseudonym="SecondHand9")
    support_request = SupportRequest.objects.create(
        member=member,
        advocate=first,
        accepted_by=first,
        specialty=specialty("counselling"),
        summary="Help me think this through",
        language="en",
        status=SupportRequest.Status.ACCEPTED,
    )
    hand_over_support_request(
        support_request=support_request, advocate_user=first, to_advocate_user_id=second.pk
    )
    resolve_support_request(support_request=support_request, actor=second)
    support_request.refresh_from_db()
    feedback = leave_support_feedback(
        support_request=support_request,
        member=member,
        rating=5,
        comment="She really listened to me and it helped.",
    )
    assert SupportFeedback.objects.get(pk=feedback.pk).advocate_id == second.pk

    staff = make_member(staff=True, mfa=True)
    client.force_login(staff)
    listing = client.get(reverse("admin:community_supportfeedback_changelist")).content.decode()
    assert "SecondHand9" in listing and "FirstAnswer8" in listing
    page = client.get(
        reverse("admin:community_supportfeedback_change", args=[feedback.pk])
    ).content.decode()
    credited = re.search(r"(?i)advocate credited.*?<div class=\"readonly\">(.*?)</div>", page, re.S)
    first_answer = re.search(
        r"(?i)advocate who answered first.*?<div class=\"readonly\">(.*?)</div>", page, re.S
    )
    assert credited and "SecondHand9" in credited.group(1)
    assert first_answer and "FirstAnswer8" in first_answer.group(1)


# --- one wording for a deleted account's contributions ----------------------------------------


def test_the_deletion_page_names_contributions_as_the_posts_show_them(
    db, django_capture_on_commit_callbacks
):
    leaving = make_member(pseudonym="LeavingHeron4")
    reader = make_member()
    group = make_group(name="Night shift")
    add_member(group=group, user=leaving)
    add_member(group=group, user=reader)
    thread = Post.objects.create(
        group=group, author=leaving, title="Rota games", body="They move my shifts"
    )
    client = signed_in(leaving)
    promised = set()
    for url in (reverse("data_rights"), reverse("account_delete")):
        promised |= set(re.findall(r"“([^”]+)”", client.get(url).content.decode()))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_delete"),
            {"contributions": "keep", "password": PASSWORD, "confirm": "on"},
        )
    page = (
        signed_in(reader)
        .get(reverse("thread_detail", args=[group.slug, thread.pk]))
        .content.decode()
    )
    author = re.search(r'<span class="post-author">(.*?)</span>', page, re.S).group(1).strip()
    assert promised == {author}, (promised, author)


# --- a verified advocate's new specialty waits for staff ---------------------------------------


def apply_form(*specialty_slugs: str) -> dict:
    return {
        "specialties": [specialty(slug).pk for slug in specialty_slugs],
        "credentials": "Ten years of counselling.",
        "languages": ["en"],
        "time_zone": "Europe/Berlin",
        "public_bio": "I listen and help.",
        "capacity": "3",
    }


def test_a_verified_advocates_new_specialty_waits_for_staff_approval(db):
    from community.services.support_requests import create_support_request

    counsellor = make_advocate(pseudonym="CalmOrchard6", specialties=("counselling",))
    member = make_member()
    pool_request = create_support_request(
        member=member,
        specialty=specialty("legal"),
        summary="Is this dismissal lawful in my country?",
        language="en",
        urgency="normal",
        advocate_user_id=None,
        use_alias=False,
        self_harm=False,
    )
    advocate_client = signed_in(counsellor)
    response = advocate_client.post(reverse("advocate_apply"), apply_form("counselling", "legal"))
    assert response.status_code == 302

    def listed_under_legal() -> bool:
        directory = signed_in(member).get(reverse("advocate_directory"), {"specialty": "legal"})
        return "CalmOrchard6" in directory.content.decode()

    def detail_status() -> int:
        url = reverse("support_request_detail", args=[pool_request.pk])
        return advocate_client.get(url).status_code

    # Not listed under it, and its pool stays closed, until staff approve.
    assert not listed_under_legal()
    assert detail_status() == 404
    assert "CalmOrchard6" in signed_in(member).get(reverse("advocate_directory")).content.decode()
    # The advocate sees what waits.
    page = advocate_client.get(reverse("advocate_apply")).content.decode()
    assert "Waiting for staff approval" in page and "Legal" in page

    staff = signed_in(make_member(staff=True, mfa=True))
    changelist = reverse("admin:community_pendingspecialty_changelist")
    listing = staff.get(changelist).content.decode()
    assert "CalmOrchard6" in listing and "Legal" in listing
    pending = counsellor.advocate_profile.pending_specialties.get()
    response = staff.post(
        changelist,
        {"action": "approve_selected", "_selected_action": [pending.pk]},
    )
    assert response.status_code == 302
    assert listed_under_legal()
    assert detail_status() == 200
    assert not counsellor.advocate_profile.pending_specialties.exists()


def test_dropping_a_specialty_takes_effect_at_once_and_an_applicants_choice_is_reviewed_whole(db):
    counsellor = make_advocate(specialties=("counselling", "legal"))
    advocate_client = signed_in(counsellor)
    advocate_client.post(reverse("advocate_apply"), apply_form("counselling"))
    profile = counsellor.advocate_profile
    assert [s.slug for s in profile.specialties.all()] == ["counselling"]
    assert not profile.pending_specialties.exists()

    # Ticking a new one and unticking it again withdraws the request for approval.
    advocate_client.post(reverse("advocate_apply"), apply_form("counselling", "career"))
    assert profile.pending_specialties.count() == 1
    advocate_client.post(reverse("advocate_apply"), apply_form("counselling"))
    assert not profile.pending_specialties.exists()

    # Before verification staff review the whole application, specialties included.
    applicant = make_member()
    signed_in(applicant).post(reverse("advocate_apply"), apply_form("legal", "career"))
    applied = applicant.advocate_profile
    assert sorted(s.slug for s in applied.specialties.all()) == ["career", "legal"]
    assert not applied.pending_specialties.exists()


# --- erasure leaves no copy of the email in the database files --------------------------------

VANISHING_EMAIL = "unmistakable.realname-4417@employer.example"


def copies_on_disk(text: str) -> dict[str, int]:
    """How often `text` occurs in the raw bytes of the SQLite database file and of its log.

    Read by another process: opening and closing the file here would drop every lock SQLite
    holds on it in this process (POSIX locks are per process), and let another process corrupt
    the database under our open connections."""
    name = Path(connection.settings_dict["NAME"])
    paths = [str(name), str(name.with_name(name.name + "-wal"))]
    script = (
        "import json, os, sys\n"
        "needle = sys.argv[1].encode()\n"
        "print(json.dumps({os.path.basename(p): open(p, 'rb').read().count(needle)"
        " if os.path.exists(p) else 0 for p in sys.argv[2:]}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed script
        [sys.executable, "-c", script, text, *paths], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_no_copy_of_the_email_in_the_sqlite_file_or_its_wal():
    if connection.vendor != "sqlite":
        pytest.skip("the embedded mode's SQLite files; PostgreSQL operators: see the README")
    leaving = make_member(email=VANISHING_EMAIL, pseudonym="VanishingEgret5")
    client = signed_in(leaving)
    # Rows that name the email get written, and rewritten, as a member uses the site.
    client.get(reverse("data_rights"))
    # An installation that has run a while has the rows in the file itself, not only the log.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        # Deleted rows are overwritten in the file, whatever the SQLite build's default.
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1
    assert copies_on_disk(VANISHING_EMAIL)[Path(connection.settings_dict["NAME"]).name] > 0

    response = client.post(
        reverse("account_delete"),
        {"contributions": "keep", "password": PASSWORD, "confirm": "on"},
    )
    assert response.status_code == 200
    assert set(copies_on_disk(VANISHING_EMAIL).values()) == {0}
    assert set(copies_on_disk(VANISHING_EMAIL.split("@")[0]).values()) == {0}


# --- signup does the same work for a known and an unknown address ------------------------------

COUNTING_HASHER = "tests.hashers.CountingPasswordHasher"


def _signup_work(email: str, pseudonym: str, mailoutbox) -> dict:
    from django.db import connection as default_connection
    from django.test.utils import CaptureQueriesContext

    from tests.hashers import CountingPasswordHasher

    CountingPasswordHasher.hashed = 0
    mailoutbox.clear()
    client = Client()
    with CaptureQueriesContext(default_connection) as queries:
        response = client.post(
            reverse("account_signup"),
            {
                "email": email,
                "pseudonym": pseudonym,
                "password1": "an0ther-long-passphrase",
                "password2": "an0ther-long-passphrase",
            },
        )
    inserted = sorted(
        match.group(1)
        for query in queries.captured_queries
        if (match := re.match(r'INSERT INTO "(\w+)"', query["sql"]))
    )
    return {
        "status": response.status_code,
        "location": response["Location"],
        "passwords_hashed": CountingPasswordHasher.hashed,
        "mails_sent": len(mailoutbox),
        "rows_inserted_into": inserted,
    }


def test_signup_does_the_same_work_for_a_known_and_an_unknown_address(db, settings, mailoutbox):
    settings.PASSWORD_HASHERS = [COUNTING_HASHER]
    known = make_member(email="already.here@example.org")
    for_known = _signup_work(known.email, "FreshFern21", mailoutbox)
    for_unknown = _signup_work("not.yet.here@example.org", "FreshFern22", mailoutbox)
    assert for_unknown["passwords_hashed"] == 1
    assert for_known == for_unknown
    assert "community_user" in for_known["rows_inserted_into"]
    # And the known path created nothing that stays.
    from community.models import Profile, User

    assert User.objects.filter(email__iexact=known.email).count() == 1
    assert not Profile.objects.filter(pseudonym="FreshFern21").exists()
    assert User.objects.count() == 2
