"""The matching escrow's whole path in Chromium (issue 16, decision 0080): a counsellor makes
a key in their browser; two members name one person in different spellings; the counsellor's
browser opens the match and sees the identifier. The escrow is the real process
(tests/conftest.py `matching_escrow`), the cryptography the page's own."""

import re

import pytest
from playwright.sync_api import expect

from community.models import MatchingCounsellor, MatchingEntry, MatchingMatch
from tests.browser.conftest import assert_accessible
from tests.community.advocates_helpers import make_advocate
from tests.community.matching_helpers import eligible_member

pytestmark = pytest.mark.browser
PASSPHRASE = "a long passphrase for the key"


def _check_page(page, context: str) -> None:
    """axe with no moderate or worse violation, and no sideways scroll at 375 px (the matching
    pages are not in the demo crawl of tests/browser/test_every_page.py: its advocate is no
    matching counsellor, its member has no second factor)."""
    assert_accessible(page, context)
    page.set_viewport_size({"width": 375, "height": 812})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{context}: scrolls sideways by {overflow}px"
    assert_accessible(page, f"{context} (375 px)")
    page.set_viewport_size({"width": 1280, "height": 800})


def _add(page, kind: str, text: str, shown: str, region: str = "US"):
    page.goto("/matching/")
    page.get_by_label("What you know").select_option(kind)
    page.get_by_label("Their email, number or profile address").fill(text)
    page.get_by_label("Phone numbers without a country code are from").select_option(region)
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#matching-normalised")).to_have_text(shown)
    page.get_by_role("button", name="Save this entry").click()


def test_two_members_one_person_different_spellings_one_match_opened_by_the_counsellor(
    browser_session,
):
    counsellor_user = make_advocate(specialties=("legal",))
    MatchingCounsellor.objects.create(user=counsellor_user)
    counsellor = browser_session()
    counsellor.login(counsellor_user)
    page = counsellor.page
    page.goto("/matching/counsellor/")
    page.get_by_label("New passphrase").fill(PASSPHRASE)
    page.get_by_label("The passphrase again").fill(PASSPHRASE)
    page.get_by_role("button", name="Create my key").click()
    expect(page.locator("#key-feedback")).to_contain_text("Your key is made and saved")
    expect(page.get_by_role("link", name="Download the backup")).to_be_visible()
    _check_page(page, "counsellor key set up")
    assert MatchingCounsellor.objects.get().public_key

    alice, bob = browser_session(), browser_session()
    alice.login(eligible_member())
    bob.login(eligible_member())
    _add(alice.page, "email", "J.Doe@Example.com ", "email:j.doe@example.com")
    expect(alice.page.get_by_text("Your entry is saved.")).to_be_visible()
    _check_page(alice.page, "member's entries")
    _add(bob.page, "email", "j.doe@example.com", "email:j.doe@example.com")
    expect(bob.page.get_by_text("Your entry is saved.")).to_be_visible()
    _add(alice.page, "phone", "+1 415 555 0100", "phone:+14155550100")
    expect(alice.page.get_by_text("Your entry is saved.")).to_be_visible()
    _add(bob.page, "phone", "(415) 555-0100", "phone:+14155550100")
    expect(bob.page.get_by_text("Your entry is saved.")).to_be_visible()

    # The same member twice is refused, and no match.
    _add(alice.page, "email", "j.doe@example.com", "email:j.doe@example.com")
    expect(alice.page.locator("#matching-feedback")).to_have_text(
        "You already have an entry for this identifier."
    )
    # A different person: no match. Bob's page says the same as for a matching entry.
    _add(bob.page, "email", "someone.else@example.com", "email:someone.else@example.com")
    expect(bob.page.get_by_text("Your entry is saved.")).to_be_visible()
    assert MatchingEntry.objects.count() == 5
    assert MatchingMatch.objects.count() == 2

    # A new page load: the key is unlocked with the passphrase, then each match opened.
    page.goto("/matching/counsellor/")
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock my key").click()
    expect(page.locator("#key-feedback")).to_have_text("Your key is unlocked on this page.")
    buttons = page.get_by_role("button", name="Open in this browser")
    expect(buttons).to_have_count(2)
    for number in range(2):
        buttons.nth(number).click()
    identifiers = page.locator(".matched-identifier")
    expect(identifiers).to_have_count(2)
    assert sorted(identifiers.all_inner_texts()) == [
        "email:j.doe@example.com",
        "phone:+14155550100",
    ]

    # Reaching a member: a private support thread, where the counsellor sees the alias.
    page.get_by_role("button", name="Contact this member privately").first.click()
    page.wait_for_url("**/support/*/")
    expect(page.get_by_text(re.compile(r"Match \d+-\d+")).first).to_be_visible()

    # Withdrawal: deleted at once and out of matches. Bob's entries, newest first: the
    # unmatched one, the phone number, the email.
    bob.page.goto("/matching/")
    bob.page.get_by_role("link", name="Withdraw").nth(1).click()
    bob.page.get_by_role("button", name="Withdraw and delete").click()
    expect(bob.page.get_by_text("Your entry is withdrawn and deleted.")).to_be_visible()
    assert MatchingEntry.objects.count() == 4
    assert MatchingMatch.objects.count() == 1
    page.goto("/matching/counsellor/")
    expect(page.get_by_role("button", name="Open in this browser")).to_have_count(1)
