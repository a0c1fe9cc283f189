"""The moderation journey in real Chromium: flag → live queue → hide → mute → lock → author
notified → appeal → a second moderator decides → reporter told → audit log, read-only."""

import re

import pytest
from playwright.sync_api import expect

from community.models import Post
from messaging.models import Conversation
from moderation.models import AuditLogEntry, ReviewItem
from tests.factories import make_member
from tests.moderation.conftest import build_scene, post_message

pytestmark = pytest.mark.browser


def _flag(page, url, reason_label, details, axe=None):
    page.goto(url)
    if axe is not None:
        axe(page, "on the flag form")
    page.get_by_label(reason_label).check()
    page.get_by_label("Details (optional)").fill(details)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".messages")).to_contain_text("Moderators will review it")


def _notification_texts(page) -> list[str]:
    """What each of the member's notifications says once opened (the list itself only says
    "New activity")."""
    page.goto("/notifications/")
    hrefs = page.locator(".notification-list a").evaluate_all(
        "links => links.map((link) => link.getAttribute('href'))"
    )
    texts = []
    for href in hrefs:
        page.goto(href)
        texts.append(page.locator("main").inner_text())
    return texts


def test_flag_to_appeal_to_audit_log_journey(browser_session, axe):
    scene = build_scene()
    post = Post.objects.create(
        group=scene.group,
        author=scene.author,
        title="About Acme",
        body="Everyone should call Dana at Acme directly",
    )
    message = post_message(room=scene.room, sender=scene.author, body="you will regret reporting")

    moderator = browser_session()
    moderator.login(scene.moderator)
    queue = moderator.page
    queue.goto("/moderation/")
    expect(queue.locator("#queue-items")).to_have_attribute("data-live", "on")
    axe(queue, "on the empty review queue")

    reporter = browser_session()
    reporter.login(scene.reporter)
    _flag(
        reporter.page,
        f"/flag/post/{post.pk}/",
        "Identity exposure (doxxing)",
        "names a colleague",
        axe=axe,
    )
    axe(reporter.page, "after flagging")
    _flag(
        reporter.page,
        f"/flag/message/{message.pk}/",
        "Retaliation against someone who spoke up",
        "in the live room",
    )

    # Both reports reach the open queue without a reload.
    expect(queue.locator(".queue-row")).to_have_count(2)
    expect(queue.locator("#queue-items")).to_contain_text("you will regret reporting")
    expect(queue.locator("#queue-items")).to_contain_text("Dana at Acme")

    # The author is in the live room.
    author = browser_session()
    author.login(scene.author)
    author.page.goto(f"/rooms/{scene.group.slug}/")
    expect(author.page.locator("#chat-status")).to_have_attribute("data-state", "online")

    # Hide the chat message; the flagger stays hidden from a group moderator.
    queue.get_by_role("link", name=re.compile("you will regret")).click()
    expect(queue.locator("h1")).to_contain_text("Review")
    expect(queue.locator("body")).not_to_contain_text("QuietReporter")
    axe(queue, "on the item detail")
    queue.get_by_label("Hide").check()
    queue.get_by_label("Reason (the author is told it)").fill("Threatening a reporter")
    queue.get_by_role("button", name="Save decision").click()
    expect(queue.locator(".messages")).to_contain_text("Decision saved")

    # Mute the author in the room: their next message is refused at once.
    queue.get_by_label("Action").select_option("mute")
    queue.get_by_label("Reason (the member is told it)").fill("Cool off for a while")
    queue.get_by_label("For how long").select_option("60")
    queue.get_by_role("button", name="Apply").click()
    expect(queue.locator(".messages")).to_contain_text("The member is told")
    author.page.locator("#chat-body").fill("I am still talking")
    author.page.locator("#chat-body").press("Enter")
    expect(author.page.locator("#chat-messages")).to_contain_text("muted")

    # Lock the room.
    queue.goto(f"/moderation/groups/{scene.group.pk}/room/")
    axe(queue, "on room controls")
    queue.get_by_label("Lock the room (read-only for everyone)").check()
    queue.get_by_role("button", name="Apply to the room now").click()
    expect(queue.locator(".messages")).to_contain_text("Room controls updated")
    assert Conversation.objects.get(pk=scene.room.pk).locked

    # The author is told, by "a moderator", and appeals the mute.
    # Discreet by default: the list says "New activity"; each one opens to what happened.
    author.page.goto("/notifications/")
    expect(author.page.locator("main")).to_contain_text("New activity")
    expect(author.page.locator("body")).not_to_contain_text("GroupMod01")
    opened = _notification_texts(author.page)
    assert any("A moderator hid something you wrote" in text for text in opened), opened
    assert not any("GroupMod01" in text for text in opened)
    author.page.goto("/notices/")
    axe(author.page, "on the member's notices")
    author.page.get_by_role("link", name="Appeal this decision").click()
    author.page.get_by_label("Why should this decision change?").fill("I was quoting someone")
    author.page.get_by_role("button", name="Send appeal").click()
    expect(author.page.locator(".messages")).to_contain_text("A different moderator will decide")

    # The moderator who muted cannot decide it; the second moderator does.
    queue.goto("/moderation/appeals/")
    expect(queue.locator("body")).to_contain_text("No appeals are waiting for you")
    second = browser_session()
    second.login(scene.second_moderator)
    second.page.goto("/moderation/appeals/")
    expect(second.page.locator(".appeal")).to_contain_text("I was quoting someone")
    axe(second.page, "on the appeals page")
    second.page.get_by_label("Grant: lift the sanction").check()
    second.page.get_by_label("Reason (the member is told it)").fill("Context shows a quote")
    second.page.get_by_role("button", name="Decide appeal").click()
    expect(second.page.locator(".messages")).to_contain_text("Appeal decided")
    assert any("lifted the decision" in text for text in _notification_texts(author.page))

    # The reporter hears the outcome, without detail.
    assert any("Outcome: action taken" in text for text in _notification_texts(reporter.page))

    # Every step is in the audit log; it offers no way to change an entry.
    queue.goto("/moderation/audit/")
    axe(queue, "on the audit log")
    actions = {row.get_attribute("data-action") for row in queue.locator(".audit-row").all()}
    assert {"flag", "hide", "mute", "lock_room", "appeal", "appeal_granted"} <= actions
    assert not queue.locator(".audit-row button, .audit-row input").count()
    assert ReviewItem.objects.filter(decision="hide").count() == 1

    staff = browser_session()
    staff.login(make_member(staff=True, mfa=True))
    entry = AuditLogEntry.objects.filter(action="hide").get()
    staff.page.goto(f"/admin/moderation/auditlogentry/{entry.pk}/change/")
    expect(staff.page.locator("body")).to_contain_text("Threatening a reporter")
    assert not staff.page.locator("input[name=_save]").count()
    assert not staff.page.locator("a.deletelink").count()


def test_blocks_page_and_crisis_resources_pass_axe(browser_session, axe):
    session = browser_session()
    session.login(make_member(pseudonym="SafeMember1"))
    make_member(pseudonym="Pesterer22")
    session.page.goto("/settings/blocks/")
    axe(session.page, "on the blocks page")
    session.page.get_by_label("Pseudonym").fill("Pesterer22")
    session.page.get_by_label("Mute", exact=True).check()
    session.page.get_by_role("button", name="Save").click()
    expect(session.page.locator(".plain-list")).to_contain_text("Pesterer22")
    session.page.goto("/safety/reach-out/")
    axe(session.page, "on the crisis resources page")
