"""Reactions on chat messages in two real Chromium windows: one member reacts by keyboard, the
other sees the count live; the reactor's button is pressed, the other's is not. axe."""

import pytest
from playwright.sync_api import expect

from messaging.services.conversations import get_or_create_group_room
from tests.factories import make_member
from tests.messaging.conftest import make_group

pytestmark = pytest.mark.browser


def test_a_reaction_appears_live_for_the_other_member(browser_session, axe):
    writer, reader = make_member(pseudonym="ReactWriter"), make_member(pseudonym="ReactReader")
    group = make_group(name="Reacting kindly", members=[writer, reader])
    get_or_create_group_room(group=group)
    writing, reading = browser_session(), browser_session()
    writing.login(writer)
    reading.login(reader)
    for session in (writing, reading):
        session.page.goto(f"/rooms/{group.slug}/")
        expect(session.page.locator("#chat-status")).to_have_text("Live")
    writing.page.get_by_label("Your message").fill("I finally reported it.")
    writing.page.get_by_label("Your message").press("Enter")

    page = reading.page
    message = page.locator("#chat-messages li.chat-message").last
    expect(message.locator(".chat-body")).to_have_text("I finally reported it.")
    button = message.get_by_role("button", name="Stay strong")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_contain_text("1")

    theirs = writing.page.locator("#chat-messages li.chat-message").last
    expect(theirs.get_by_role("button", name="Stay strong")).to_contain_text("1")
    expect(theirs.get_by_role("button", name="Stay strong")).to_have_attribute(
        "aria-pressed", "false"
    )
    axe(page, "on a room with a reaction")
    # Cleared again: the count goes away for both.
    button.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(theirs.get_by_role("button", name="Stay strong")).not_to_contain_text("1")
