"""Two members in two real Chromium windows, by keyboard alone, at 1280 × 800 and at 375 × 812:
an @mention picked from the suggestions notifies the other live and is highlighted for them; a
reaction from the message's menu appears live for the writer; a content-warned message stays
folded until its reader opens it from the menu; a direct message lights the Messages badge live
and reading it clears the badge. axe on every new state (suggestions open, menu open)."""

import re

import pytest
from playwright.sync_api import expect

from messaging.models import ConversationParticipant
from messaging.services.conversations import (
    get_or_create_group_room,
    start_direct_conversation,
)
from tests.browser.socket_log import SocketLog
from tests.factories import make_member, make_message
from tests.messaging.conftest import make_group

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 800), "phone": (375, 812)}


def _open(session, user, path, size):
    session.login(user)
    page = session.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(path)
    return page


def _menu_choice(page, name: str, role: str = "menuitem"):
    """Moves down the open menu (keyboard only) until `name` has focus."""
    target = page.get_by_role(role, name=name)
    for _ in range(12):
        if target.evaluate("node => node === document.activeElement"):
            return target
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{name!r} is not in the menu")


@pytest.mark.parametrize("width", WIDTHS)
def test_two_members_chat_by_keyboard_alone(browser_session, axe, width):
    size = WIDTHS[width]
    alice = make_member(pseudonym="AliceHarbor")
    bob = make_member(pseudonym="BobLantern")
    group = make_group(name="Evening circle", members=[alice, bob])
    room = get_or_create_group_room(group=group)
    # Both have spoken in the room, so each may mention the other.
    make_message(conversation=room, sender=alice, body="Evening, everyone.")
    make_message(conversation=room, sender=bob, body="Hi Alice.")
    direct = start_direct_conversation(
        sender=alice, recipient=bob, body="Can we talk later?", client_id="journey-1"
    ).conversation
    ConversationParticipant.objects.filter(conversation=direct, user=bob).update(
        state=ConversationParticipant.State.ACCEPTED
    )
    alice_session, bob_session = browser_session(), browser_session()
    alice_page = _open(alice_session, alice, f"/rooms/{group.slug}/", size)
    bob_page = _open(bob_session, bob, f"/rooms/{group.slug}/", size)
    for page in (alice_page, bob_page):
        expect(page.locator("#chat-status")).to_have_text("Live")
    # The request Bob accepted is unread: one message on the Messages badge (on a phone the
    # Menu button, which folds the navigation, repeats it).
    expect(
        bob_page.locator("#menu-count" if width == "phone" else "#messages-count")
    ).to_be_visible()
    expect(bob_page.locator("#messages-count [data-count]")).to_have_text("1")

    # Alice mentions Bob, picking him from the suggestions with the keyboard.
    alice_page.keyboard.press("Alt+Shift+M")
    expect(alice_page.locator("#chat-body")).to_be_focused()
    alice_page.keyboard.type("Thank you @Bo")
    suggestions = alice_page.get_by_role("listbox", name="Members to mention")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("option", name="BobLantern")).to_have_attribute(
        "aria-selected", "true"
    )
    axe(alice_page, f"with mention suggestions open at {width} width")
    alice_page.keyboard.press("Enter")
    expect(suggestions).to_be_hidden()
    expect(alice_page.locator("#chat-body")).to_have_value("Thank you @BobLantern ")
    alice_page.keyboard.type("for listening.")
    alice_page.keyboard.press("Enter")

    # Bob: highlighted for him, named so, announced, and his bell rings live.
    newest = bob_page.locator("#chat-messages li.chat-message").last
    expect(newest.locator(".chat-body")).to_have_text("Thank you @BobLantern for listening.")
    mentioned = bob_page.locator(f"#{newest.get_attribute('id')}")
    expect(mentioned).to_have_class(re.compile(r"\bis-mention\b"))
    expect(mentioned).to_have_attribute("aria-label", re.compile("mentions you"))
    expect(bob_page.locator("#chat-announcer")).to_contain_text("AliceHarbor mentioned you")
    expect(bob_page.locator("#notification-count [data-count]")).to_have_text("1")
    # Not highlighted for its writer.
    expect(alice_page.locator("#chat-messages li.chat-message").last).not_to_have_class(
        re.compile(r"\bis-mention\b")
    )

    # Bob reacts from the message's menu: from the message box, one Shift+Tab is the list.
    bob_page.keyboard.press("Alt+Shift+M")
    bob_page.keyboard.press("Shift+Tab")
    expect(mentioned).to_be_focused()
    bob_page.keyboard.press("Enter")
    expect(bob_page.get_by_role("menu", name="Message actions")).to_be_visible()
    axe(bob_page, f"with a message menu open at {width} width")
    _menu_choice(bob_page, "React: Stay strong", role="menuitemcheckbox")
    bob_page.keyboard.press("Enter")
    expect(mentioned).to_be_focused()
    theirs = alice_page.locator(f"#{newest.get_attribute('id')}")
    expect(theirs.get_by_role("button", name="Stay strong")).to_contain_text("1")

    # Alice writes with a content warning, keyboard only: message, then the warning field.
    alice_page.keyboard.press("Alt+Shift+M")
    alice_page.keyboard.type("He shouted at me in front of the team.")
    alice_page.keyboard.press("Tab")
    expect(alice_page.get_by_text("Add a content warning")).to_be_focused()
    alice_page.keyboard.press("Enter")
    alice_page.keyboard.press("Tab")
    expect(alice_page.get_by_label("Content warning (optional)")).to_be_focused()
    alice_page.keyboard.type("shouting")
    alice_page.keyboard.press("Enter")
    warned = bob_page.locator("#chat-messages li.chat-message").last
    expect(warned.locator("summary")).to_have_text("Content warning: shouting")
    expect(warned.locator(".chat-body")).to_be_hidden()
    expect(warned).to_have_attribute("aria-label", re.compile(r"Content warning: shouting$"))
    # Bob opens it from its menu: back in the list where he was, End is the newest message.
    bob_page.keyboard.press("Alt+Shift+M")
    bob_page.keyboard.press("Shift+Tab")
    expect(mentioned).to_be_focused()
    bob_page.keyboard.press("End")
    expect(warned).to_be_focused()
    bob_page.keyboard.press("Enter")
    _menu_choice(bob_page, "Show the message")
    bob_page.keyboard.press("Enter")
    expect(warned.locator(".chat-body")).to_have_text("He shouted at me in front of the team.")

    # A direct message from Alice lights Bob's Messages badge live, in the room.
    alice_dm = alice_session.new_page()
    alice_dm.set_viewport_size({"width": size[0], "height": size[1]})
    alice_dm.goto(f"/messages/{direct.pk}/")
    expect(alice_dm.locator("#chat-status")).to_have_text("Live")
    alice_dm.keyboard.press("Alt+Shift+M")
    alice_dm.keyboard.type("Are you free at six?")
    alice_dm.keyboard.press("Enter")
    expect(bob_page.locator("#messages-count [data-count]")).to_have_text("2")
    if width == "phone":
        expect(
            bob_page.get_by_role("button", name=re.compile(r"^Menu , [1-9]\d* unread$"))
        ).to_be_visible()
        bob_page.get_by_role("button", name=re.compile("^Menu")).press("Enter")
    expect(
        bob_page.get_by_role("link", name=re.compile(r"^Messages\s*,\s*2 unread$"))
    ).to_be_visible()
    # The inbox says which conversation; reading it clears the badge.
    bob_page.goto("/messages/")
    item = bob_page.locator(f"[data-conversation-id='{direct.pk}']")
    expect(item).to_contain_text("2")
    axe(bob_page, f"on the inbox with unread counts at {width} width")
    item.get_by_role("link").first.focus()
    bob_page.keyboard.press("Enter")
    expect(bob_page.locator("#chat-status")).to_have_text("Live")
    expect(bob_page.locator("#messages-count")).to_be_hidden()

    # Back on the inbox, a new message in the room counts up live there too.
    bob_sockets = SocketLog(bob_page)
    bob_page.goto("/messages/")
    room_item = bob_page.locator(f"[data-conversation-id='{room.pk}']")
    expect(room_item.locator("[data-unread]")).to_be_hidden()
    # From the answer to the inbox's `watch` on, its rooms' new messages count up live.
    bob_sockets.wait_until(lambda: any('"type":"watching"' in f for f in bob_sockets.frames()))
    alice_page.keyboard.press("Alt+Shift+M")
    alice_page.keyboard.type("See you all next week.")
    alice_page.keyboard.press("Enter")
    expect(room_item.locator("[data-unread]")).to_have_text("1 unread")
