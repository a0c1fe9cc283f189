"""Reactions on chat messages in two real Chromium windows: one member reacts by keyboard, the
other sees the count live; the reactor's button is pressed, the other's is not. axe."""

import re

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
    # By keyboard: the message, its menu, the reaction in it.
    message.focus()
    page.keyboard.press("Enter")
    choice = page.get_by_role("menuitemcheckbox", name="React: Stay strong")
    expect(choice).to_have_attribute("aria-checked", "false")
    choice.focus()
    page.keyboard.press("Enter")
    expect(message).to_be_focused()  # the menu closed, back on the message
    chip = message.get_by_role("button", name="Stay strong")
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(chip).to_contain_text("1")
    expect(message).to_have_attribute("aria-label", re.compile("Reactions: Stay strong 1"))

    theirs = writing.page.locator("#chat-messages li.chat-message").last
    expect(theirs.get_by_role("button", name="Stay strong")).to_contain_text("1")
    expect(theirs.get_by_role("button", name="Stay strong")).to_have_attribute(
        "aria-pressed", "false"
    )
    axe(page, "on a room with a reaction")
    # Cleared again from the menu (now checked): the count goes away for both.
    page.keyboard.press("Enter")
    expect(choice).to_have_attribute("aria-checked", "true")
    choice.focus()
    page.keyboard.press("Enter")
    expect(message.get_by_role("button", name="Stay strong")).to_be_hidden()
    expect(theirs.get_by_role("button", name="Stay strong")).to_be_hidden()
