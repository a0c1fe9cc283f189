"""A content-warned chat message in two real Chromium windows: the writer adds the warning by
keyboard, the other member sees it folded (live and after a reload), opens it, and hears only
the warning announced. axe on the folded state at both widths."""

import pytest
from playwright.sync_api import expect

from messaging.services.conversations import get_or_create_group_room
from tests.factories import make_member
from tests.messaging.conftest import make_group

pytestmark = pytest.mark.browser


def test_a_content_warned_message_is_folded_for_the_other_member(browser_session, axe):
    writer, reader = make_member(pseudonym="WarnWriter"), make_member(pseudonym="WarnReader")
    group = make_group(name="Careful words", members=[writer, reader])
    get_or_create_group_room(group=group)
    writing, reading = browser_session(), browser_session()
    writing.login(writer)
    reading.login(reader)
    for session in (writing, reading):
        session.page.goto(f"/rooms/{group.slug}/")
        expect(session.page.locator("#chat-status")).to_have_text("Live")
    page = writing.page
    page.get_by_text("Add a content warning").click()
    page.get_by_label("Content warning (optional)").fill("workplace violence")
    page.get_by_label("Your message").fill("He threw a chair in the meeting.")
    page.get_by_label("Your message").press("Enter")
    expect(page.get_by_label("Content warning (optional)")).to_have_value("")

    other = reading.page
    warned = other.locator("#chat-messages details.chat-warning").last
    expect(warned.locator("summary")).to_have_text("Content warning: workplace violence")
    expect(warned.locator(".chat-body")).to_be_hidden()
    expect(other.locator("#chat-announcer")).to_contain_text("workplace violence")
    expect(other.locator("#chat-announcer")).not_to_contain_text("threw a chair")
    for width, height in ((1280, 800), (375, 812)):
        other.set_viewport_size({"width": width, "height": height})
        other.reload()
        expect(other.locator("#chat-status")).to_have_text("Live")
        warned = other.locator("#chat-messages details.chat-warning").last
        expect(warned.locator(".chat-body")).to_be_hidden()
        axe(other, f"on a folded chat message at {width} px")
    warned.locator("summary").focus()
    other.keyboard.press("Enter")
    expect(warned.locator(".chat-body")).to_have_text("He threw a chair in the meeting.")
