"""Search in real Chromium: a member searches by keyboard, reads a content-warned result
folded, pages on, and the words never reach the address bar. axe at both widths."""

import pytest
from playwright.sync_api import expect

from tests.community.groups_helpers import add_member, make_group, make_thread
from tests.factories import make_member

pytestmark = pytest.mark.browser


def test_search_by_keyboard_with_folded_warnings_and_no_words_in_the_address(browser_session, axe):
    reader = make_member(pseudonym="Searcher")
    writer = make_member(pseudonym="Poster")
    group = make_group(name="Warehouse staff")
    add_member(group, reader)
    add_member(group, writer)
    make_thread(
        group,
        writer,
        title="What the supervisor said",
        body="The supervisor shouted at me about the grievance.",
        content_warning="verbal abuse",
    )
    for number in range(22):
        make_thread(group, writer, title=f"Grievance note {number}", body="grievance filed")

    session = browser_session()
    session.login(reader)
    page = session.page
    for width, height in ((1280, 800), (375, 812)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/search/")
        field = page.get_by_role("searchbox", name="Search your groups and conversations")
        field.focus()
        page.keyboard.type("supervisor")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="1 result")).to_be_visible()
        assert "supervisor" not in page.url
        warned = page.locator("details", has_text="Content warning: verbal abuse")
        expect(warned).to_be_visible()
        expect(warned.locator("p")).to_be_hidden()  # folded until opened
        warned.locator("summary").focus()
        page.keyboard.press("Enter")
        expect(warned.locator("p")).to_contain_text("shouted at me")
        axe(page, f"on a folded search result at {width} px")
        field = page.get_by_role("searchbox", name="Search your groups and conversations")
        field.fill("grievance")
        field.press("Enter")
        expect(page.get_by_role("heading", name="23 results")).to_be_visible()
        axe(page, f"on a page of search results at {width} px")
        page.get_by_role("button", name="Next").click()
        expect(page.get_by_text("Page 2 of 2")).to_be_visible()
        assert "grievance" not in page.url
