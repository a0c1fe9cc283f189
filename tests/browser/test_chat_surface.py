"""The conversation surface in real Chromium, at 1280 × 800 and at 375 × 812: the message list
scrolls on its own while the composer stays in view; the composer is the same number of Tab
stops away with 5 messages and with 200; arrow keys move focus from message to message; older
messages load on scrolling to the top; "N new messages" when scrolled up; day labels, author
groups and the "new since your last visit" line; a burst after reconnecting is announced once;
announcements follow the member's setting (off, mentions). axe on every state."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from messaging.models import ConversationParticipant, Message, NotificationPreferences
from messaging.services.conversations import get_or_create_group_room
from tests.factories import make_member, make_message
from tests.messaging.conftest import make_group

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 800), "phone": (375, 812)}


def _room_with(count: int, *, name: str):
    reader, writer = make_member(), make_member()
    group = make_group(name=name, members=[reader, writer])
    room = get_or_create_group_room(group=group)
    start = timezone.now() - timedelta(minutes=count)
    for number in range(count):
        message = make_message(conversation=room, sender=writer, body=f"Line {number} of {count}")
        Message.objects.filter(pk=message.pk).update(created_at=start + timedelta(minutes=number))
    return group, reader, writer


def _open(session, user, group, size):
    session.login(user)
    page = session.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"/rooms/{group.slug}/")
    expect(page.locator("#chat-status")).to_have_text("Live")
    return page


def _tabs_to_composer(page) -> int:
    page.locator("body").focus()
    page.evaluate("document.activeElement.blur()")
    for presses in range(1, 60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "chat-body":
            return presses
    raise AssertionError("Tab never reached the message box")


def _in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("width", WIDTHS)
def test_the_composer_is_pinned_and_a_fixed_number_of_tab_stops_away(browser_session, axe, width):
    size = WIDTHS[width]
    short_group, short_reader, _writer = _room_with(5, name="Short room")
    long_group, long_reader, _writer = _room_with(200, name="Long room")
    short_page = _open(browser_session(), short_reader, short_group, size)
    long_page = _open(browser_session(), long_reader, long_group, size)

    # The same number of Tab stops to the message box, whatever the history's length.
    assert _tabs_to_composer(short_page) == _tabs_to_composer(long_page)
    # "Load earlier messages" only where there is more.
    expect(short_page.get_by_role("button", name="Load earlier messages")).to_be_hidden()
    expect(long_page.get_by_role("button", name="Load earlier messages")).to_be_visible()

    # The list scrolls on its own; the page does not, and the composer stays in view.
    page = long_page
    assert page.evaluate("document.scrollingElement.scrollTop") == 0
    assert _in_view(page, "#chat-body") and _in_view(page, "#chat-form button[type=submit]")
    page.locator("#chat-scroll").evaluate("node => node.scrollBy(0, -600)")
    assert page.evaluate("document.scrollingElement.scrollTop") == 0
    assert _in_view(page, "#chat-body")
    axe(page, f"on a long room at {width} width")

    # Arrow keys move real focus message by message; each message has a name of its own.
    messages = page.locator("#chat-messages li.chat-message")
    messages.last.focus()
    expect(messages.last).to_have_attribute("aria-label", re.compile(r"Line 199 of 200"))
    page.keyboard.press("ArrowUp")
    expect(messages.nth(-2)).to_be_focused()
    expect(messages.nth(-2)).to_have_attribute(
        "aria-label", re.compile(r"^[^,]+, \d\d:\d\d.*, Line 198 of 200$")
    )
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    expect(messages.nth(1)).to_be_focused()
    # Only one message is ever in the Tab order, and nothing inside one.
    assert page.locator("#chat-messages [tabindex='0']").count() == 1
    assert page.evaluate(
        "[...document.querySelectorAll('#chat-messages li a, #chat-messages li button,"
        " #chat-messages li summary')].every((node) => node.tabIndex === -1)"
    )
    # The shortcut goes to the message box from anywhere.
    page.keyboard.press("Alt+Shift+M")
    expect(page.locator("#chat-body")).to_be_focused()


@pytest.mark.parametrize("width", WIDTHS)
def test_older_messages_load_on_scrolling_to_the_top(browser_session, width):
    group, reader, _writer = _room_with(120, name="Scrolling back")
    page = _open(browser_session(), reader, group, WIDTHS[width])
    messages = page.locator("#chat-messages li.chat-message")
    expect(messages).to_have_count(50)
    bottom_text = messages.last.inner_text()
    page.locator("#chat-scroll").evaluate("node => { node.scrollTop = 0; }")
    expect(messages).to_have_count(100)
    # The view did not jump: the message that was at the top is still in view.
    assert page.locator("#chat-scroll").evaluate("node => node.scrollTop") > 0
    page.locator("#chat-scroll").evaluate("node => { node.scrollTop = 0; }")
    expect(messages).to_have_count(120)
    expect(page.get_by_role("button", name="Load earlier messages")).to_be_hidden()
    assert messages.last.inner_text() == bottom_text
    # By keyboard: Up on the first message says this is the start.
    messages.first.focus()
    page.keyboard.press("ArrowUp")
    expect(page.locator("#chat-announcer")).to_contain_text(
        "This is the start of the conversation."
    )


def test_new_messages_while_scrolled_up_wait_behind_a_jump_button(browser_session, axe):
    group, reader, writer = _room_with(80, name="Busy room")
    page = _open(browser_session(), reader, group, WIDTHS["desktop"])
    other = _open(browser_session(), writer, group, WIDTHS["desktop"])
    scroller = page.locator("#chat-scroll")
    # At the bottom, a new message keeps the view at the newest one.
    other.get_by_label("Your message").fill("While you watch")
    other.get_by_label("Your message").press("Enter")
    expect(page.locator("#chat-messages .chat-body").last).to_have_text("While you watch")
    assert scroller.evaluate("n => n.scrollHeight - n.scrollTop - n.clientHeight") < 48
    # Scrolled up, new messages do not move the view; a control counts them.
    scroller.evaluate("node => { node.scrollTop = node.scrollHeight / 2; }")
    top = scroller.evaluate("node => node.scrollTop")
    for text in ("One while away", "Two while away"):
        other.get_by_label("Your message").fill(text)
        other.get_by_label("Your message").press("Enter")
    jump = page.get_by_role("button", name="2 new messages")
    expect(jump).to_be_visible()
    assert abs(scroller.evaluate("node => node.scrollTop") - top) < 2
    axe(page, "with the new messages control")
    jump.press("Enter")
    expect(jump).to_be_hidden()
    expect(page.locator("#chat-messages li.chat-message").last).to_be_focused()
    assert scroller.evaluate("n => n.scrollHeight - n.scrollTop - n.clientHeight") < 48


def test_days_authors_and_the_line_since_the_last_visit(browser_session, axe):
    reader, first, second = make_member(), make_member(pseudonym="EarlyBird"), make_member()
    group = make_group(name="Two days", members=[reader, first, second])
    room = get_or_create_group_room(group=group)
    yesterday = timezone.now() - timedelta(days=1)
    plan = [
        (first, "Yesterday one", yesterday),
        (first, "Yesterday two", yesterday + timedelta(minutes=1)),
        (second, "Today one", timezone.now() - timedelta(minutes=3)),
        (second, "Today two", timezone.now() - timedelta(minutes=2)),
        (first, "Today three", timezone.now() - timedelta(minutes=1)),
    ]
    stored = []
    for sender, body, when in plan:
        message = make_message(conversation=room, sender=sender, body=body)
        Message.objects.filter(pk=message.pk).update(created_at=when)
        stored.append(message)
    # The reader last read up to "Today two".
    ConversationParticipant.objects.create(
        conversation=room, user=reader, last_read_seq=stored[3].seq
    )
    page = _open(browser_session(), reader, group, WIDTHS["phone"])
    items = page.locator("#chat-messages li.chat-message")
    expect(items.nth(0).locator(".chat-day")).to_have_text("Yesterday")
    expect(items.nth(1).locator(".chat-day")).to_have_count(0)
    expect(items.nth(2).locator(".chat-day")).to_have_text("Today")
    # One author's run is one group: the second line shows no name of its own.
    expect(items.nth(1)).to_have_class(re.compile(r"\bis-continued\b"))
    expect(items.nth(3)).to_have_class(re.compile(r"\bis-continued\b"))
    expect(items.nth(4)).not_to_have_class(re.compile(r"\bis-continued\b"))
    # The first message after the read marker carries the line.
    expect(page.locator(".chat-new-divider")).to_have_count(1)
    expect(items.nth(4).locator(".chat-new-divider")).to_have_text("New since your last visit")
    # Yesterday's messages are named with their day.
    expect(items.nth(0)).to_have_attribute("aria-label", re.compile(r"^EarlyBird, Yesterday "))
    axe(page, "with day labels and the new-since line")


def test_a_burst_after_reconnecting_is_announced_as_one_summary(browser_session):
    group, reader, writer = _room_with(3, name="Quiet room")
    reading = browser_session()
    page = _open(reading, reader, group, WIDTHS["desktop"])
    other = _open(browser_session(), writer, group, WIDTHS["desktop"])
    other.get_by_label("Your message").fill("Just one")
    other.get_by_label("Your message").press("Enter")
    announcer = page.locator("#chat-announcer")
    expect(announcer).to_contain_text("Just one")
    reading.context.set_offline(True)
    expect(page.locator("#chat-status")).to_have_text(re.compile("Offline"))
    for number in range(6):
        other.get_by_label("Your message").fill(f"While offline {number}")
        other.get_by_label("Your message").press("Enter")
        expect(other.locator("#chat-messages li.chat-message").last).not_to_have_class(
            re.compile("is-pending")
        )
    reading.context.set_offline(False)
    expect(page.locator("#chat-status")).to_have_text("Live", timeout=15000)
    expect(page.locator("#chat-messages .chat-body").last).to_have_text("While offline 5")
    expect(announcer).to_contain_text("6 new messages")
    assert "While offline" not in announcer.inner_text()


@pytest.mark.parametrize("setting", ["off", "mentions"])
def test_announcements_follow_the_members_setting(browser_session, setting):
    listener, writer = make_member(pseudonym="QuietListener"), make_member(pseudonym="LoudWriter")
    group = make_group(name=f"Announcing {setting}", members=[listener, writer])
    room = get_or_create_group_room(group=group)
    make_message(conversation=room, sender=listener, body="I am here.")  # may be mentioned
    NotificationPreferences.objects.create(user=listener, chat_announcements=setting)
    page = _open(browser_session(), listener, group, WIDTHS["desktop"])
    other = _open(browser_session(), writer, group, WIDTHS["desktop"])
    for text in ("Just chatting", "Thanks @QuietListener for that"):
        other.get_by_label("Your message").fill(text)
        other.get_by_label("Your message").press("Enter")
        expect(page.locator("#chat-messages .chat-body").last).to_have_text(text)
    page.wait_for_timeout(600)  # past the announcer's batching
    spoken = page.locator("#chat-announcer").inner_text()
    assert "Just chatting" not in spoken
    if setting == "off":
        assert spoken.strip() == ""
    else:
        assert "LoudWriter mentioned you: Thanks @QuietListener for that" in spoken
