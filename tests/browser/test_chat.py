"""Two members in two real Chromium windows: a live group room, going offline and coming back
without losing a message, a direct message request, and a member who leaves losing the room."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.models import User
from messaging.services.conversations import get_or_create_group_room
from tests.browser.socket_log import SocketLog
from tests.factories import make_member
from tests.messaging.conftest import make_group

pytestmark = pytest.mark.browser


def _send(page, text):
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def _messages(page):
    return page.locator("#chat-messages .chat-body")


def test_two_members_chat_live_go_offline_and_lose_access_on_leaving(browser_session, axe):
    alice, bob = make_member(pseudonym="AliceRiver"), make_member(pseudonym="BobMaple")
    host = make_member(pseudonym="HostOwl", mfa=True)
    group = make_group(name="Night shift", members=[alice, bob], moderators=[host])
    room = get_or_create_group_room(group=group)
    alice_session, bob_session = browser_session(), browser_session()
    alice_session.login(alice)
    bob_session.login(bob)
    alice_page, bob_page = alice_session.page, bob_session.page
    bob_sockets = SocketLog(bob_page)
    for page in (alice_page, bob_page):
        page.goto(f"/rooms/{group.slug}/")
        expect(page.locator("#chat-status")).to_have_text("Live")
    expect(bob_page.locator("#presence-list")).to_contain_text("AliceRiver")
    axe(alice_page, "on the live room")

    # Live both ways, keyboard only.
    _send(alice_page, "Hello from Alice")
    expect(_messages(bob_page).last).to_have_text("Hello from Alice")
    expect(bob_page.locator("#chat-announcer")).to_contain_text("Hello from Alice")
    # Report at once: Alice's message's menu (opened by keyboard) leads Bob to the flag form,
    # which comes back to this room after.
    bob_page.locator("#chat-messages li.chat-message").last.focus()
    bob_page.keyboard.press("Enter")
    expect(bob_page.get_by_role("menuitem", name="Reply with a quote")).to_be_focused()
    bob_page.keyboard.press("End")  # "Block or mute this member", then the one before it
    expect(bob_page.get_by_role("menuitem", name="Block or mute this member")).to_be_focused()
    bob_page.keyboard.press("ArrowUp")
    expect(bob_page.get_by_role("menuitem", name="Report to the moderators")).to_be_focused()
    bob_page.keyboard.press("Enter")
    expect(bob_page).to_have_url(re.compile(r"/flag/message/\d+/\?next=%2Frooms%2F"))
    bob_page.go_back()
    expect(bob_page.locator("#chat-status")).to_have_text("Live")
    _send(bob_page, "Hi Alice")
    expect(_messages(alice_page).last).to_have_text("Hi Alice")

    # Bob goes offline: what Alice writes meanwhile, and what Bob writes, arrive once he is back.
    bob_session.context.set_offline(True)
    expect(bob_page.locator("#chat-status")).to_have_text(re.compile("Offline"))
    _send(alice_page, "Missed one")
    _send(alice_page, "Missed two")
    _send(bob_page, "Written while offline")
    bob_session.context.set_offline(False)
    expect(bob_page.locator("#chat-status")).to_have_text("Live", timeout=15000)
    expect(_messages(bob_page)).to_have_text(
        ["Hello from Alice", "Hi Alice", "Missed one", "Missed two", "Written while offline"]
    )
    expect(_messages(alice_page).last).to_have_text("Written while offline")
    expect(alice_page.locator("#chat-messages li")).to_have_count(5)
    assert room.messages.count() == 5
    # Both pages show the room in the order everyone shares (the stream positions).
    for page in (alice_page, bob_page):
        shown = [
            int(seq)
            for seq in page.locator("#chat-messages li").evaluate_all(
                "items => items.map(item => item.dataset.seq)"
            )
        ]
        assert shown == sorted(shown) and len(set(shown)) == 5

    # A moderator locks the room from its controls page: every socket in the room is told at
    # once, so Bob's next message fails visibly; once the room is unlocked, Retry delivers it,
    # with its original client id.
    host_session = browser_session()
    host_session.login(host)
    controls = host_session.page
    controls.goto(f"/moderation/groups/{group.pk}/room/")
    lock = controls.get_by_label("Lock the room (read-only for everyone)")
    lock.check()
    controls.get_by_role("button", name="Apply to the room now").click()
    expect(controls.locator(".messages")).to_contain_text("Room controls updated")
    _send(bob_page, "Retry me")
    failed = bob_page.locator("li.is-failed")
    expect(failed).to_contain_text("Message failed.")
    expect(failed).to_contain_text("The room is locked")
    lock.uncheck()
    controls.get_by_role("button", name="Apply to the room now").click()
    expect(controls.locator(".messages")).to_contain_text("Room controls updated")
    failed.get_by_role("button", name="Retry").click()
    expect(_messages(alice_page).last).to_have_text("Retry me")
    expect(bob_page.locator("li.is-failed")).to_have_count(0)
    assert room.messages.filter(body="Retry me").count() == 1

    # Bob leaves the group from another tab: his room socket closes at once.
    leave_page = bob_session.new_page()
    leave_page.goto(f"/groups/{group.slug}/")
    leave_page.get_by_role("link", name="Leave this group").click()
    leave_page.get_by_role("button", name="Leave this group").click()
    expect(bob_page.locator("#chat-status")).to_have_text(
        "You no longer have access to this conversation."
    )
    # His page opens a new socket for the rest of the page (the bell), without the room.
    opened_before = len(bob_sockets.sockets)
    bob_sockets.wait_until(
        lambda: (
            len(bob_sockets.sockets) > opened_before
            and any('"type":"hello"' in frame for frame in bob_sockets.sockets[-1])
        )
    )
    _send(alice_page, "After Bob left")
    expect(_messages(alice_page).last).to_have_text("After Bob left")
    # Something that must reach Bob after it: he writes into the room he left, and the
    # server's answer ("not joined") comes back on his socket after anything the room could
    # still have sent there.
    _send(bob_page, "Am I still in?")
    expect(bob_page.locator("li.is-failed")).to_contain_text("Join the conversation first.")
    expect(_messages(bob_page).filter(has_text="After Bob left")).to_have_count(0)
    assert not [frame for frame in bob_sockets.frames() if "After Bob left" in frame]
    assert not room.messages.filter(body="Am I still in?").exists()


def test_direct_message_request_accepted_then_live(browser_session, axe):
    alice, bob = make_member(pseudonym="AliceDM"), make_member(pseudonym="BobDM")
    # Alice's account is older than KINDRED_MESSAGE_REQUEST_MIN_ACCOUNT_AGE, so her request is
    # not filtered (tests/browser/test_sign_ins.py has a filtered one).
    User.objects.filter(pk=alice.pk).update(date_joined=timezone.now() - timedelta(days=30))
    make_group(name="Shared", members=[alice, bob])
    alice_session, bob_session = browser_session(), browser_session()
    alice_session.login(alice)
    bob_session.login(bob)
    alice_page, bob_page = alice_session.page, bob_session.page

    alice_page.goto(f"/messages/with/{bob.profile.public_id}/")
    axe(alice_page, "on the first-message form")
    alice_page.get_by_label("Your message").fill("Can we talk privately?")
    alice_page.get_by_role("button", name="Send request").click()
    expect(alice_page.locator("#chat-status")).to_have_text("Live")

    bob_page.goto("/messages/requests/")
    expect(bob_page.locator("#notification-count [data-count]")).to_have_text("1")
    axe(bob_page, "on message requests")
    expect(bob_page.get_by_text("Can we talk privately?")).to_be_visible()
    bob_page.get_by_role("button", name="Accept").click()
    expect(bob_page.locator("#chat-status")).to_have_text("Live")
    _send(bob_page, "Yes, of course")
    expect(_messages(alice_page).last).to_have_text("Yes, of course")
    _send(alice_page, "Thank you")
    expect(_messages(bob_page).last).to_have_text("Thank you")

    bob_page.goto("/messages/")
    axe(bob_page, "on the inbox")
    bob_page.goto("/notifications/")
    axe(bob_page, "on notifications")
