"""Older messages in real Chromium (issue 12 layout, issue 13 defect 2): "Load earlier
messages" shows only when there is more, loads the older page in order, and hides when the
start is reached; the empty notification pill stays hidden."""

import pytest
from playwright.sync_api import expect

from messaging.services.conversations import get_or_create_group_room
from tests.factories import make_member, make_message
from tests.messaging.conftest import make_group

pytestmark = pytest.mark.browser


def test_load_earlier_messages_shows_only_when_there_is_more_and_works(browser_session):
    reader, writer = make_member(), make_member()
    busy = make_group(name="Busy room", members=[reader, writer])
    quiet = make_group(name="Quiet room", members=[reader, writer])
    busy_room = get_or_create_group_room(group=busy)
    quiet_room = get_or_create_group_room(group=quiet)
    for number in range(60):
        make_message(conversation=busy_room, sender=writer, body=f"line {number:02d}")
    for number in range(3):
        make_message(conversation=quiet_room, sender=writer, body=f"quiet {number}")
    session = browser_session()
    session.login(reader)
    page = session.page

    page.goto(f"/rooms/{quiet.slug}/")
    expect(page.locator("#chat-status")).to_have_text("Live")
    expect(page.get_by_role("button", name="Load earlier messages")).to_be_hidden()
    expect(page.locator("#notification-count")).to_be_hidden()

    page.goto(f"/rooms/{busy.slug}/")
    expect(page.locator("#chat-status")).to_have_text("Live")
    bodies = page.locator("#chat-messages .chat-body")
    expect(bodies).to_have_count(50)
    expect(bodies.first).to_have_text("line 10")
    older = page.get_by_role("button", name="Load earlier messages")
    expect(older).to_be_visible()
    # Up from the first message asks for the page before it. (Not a click on the button: to
    # click it, the list must scroll to its top, and reaching the top already loads the page,
    # so the click would race the messages it brings, which push the button away.)
    page.locator("#chat-messages li.chat-message").first.focus()
    page.keyboard.press("ArrowUp")
    expect(bodies).to_have_count(60)
    expect(bodies.first).to_have_text("line 00")
    expect(bodies.nth(10)).to_have_text("line 10")
    expect(older).to_be_hidden()
