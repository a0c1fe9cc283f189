"""A discreet footprint in real Chromium (issue 14, part 2): typing capitals never fires quick
exit and loses nothing; three lone Shift presses still leave; signed-in tabs carry only the
neutral name and icon, live notifications included; the safer-device notice; axe."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.community.groups_helpers import add_member, make_group, make_thread
from tests.factories import make_member

pytestmark = pytest.mark.browser


def _stub_neutral_site(page):
    page.route(
        f"{settings.KINDRED_QUICK_EXIT_URL}**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<p>neutral</p>"),
    )


def _type_as_a_person(page, text: str) -> None:
    """Capitals typed with Shift held, as a keyboard makes them (keyboard.type would insert
    them without any Shift event)."""
    for character in text:
        if character.isupper():
            page.keyboard.down("Shift")
            page.keyboard.press(f"Key{character}")
            page.keyboard.up("Shift")
        else:
            page.keyboard.press("Space" if character == " " else character)


def test_typing_capitals_in_a_journal_field_never_fires_quick_exit(browser_session):
    session = browser_session()
    session.login(make_member())
    page = session.page
    _stub_neutral_site(page)
    page.goto("/privacy/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<label for=t>What happened</label><textarea id=t></textarea>')"
    )
    field = page.get_by_label("What happened")
    field.click()
    # Three capitals within 1.5 s, as a member writing "I Am Ok" types them.
    _type_as_a_person(page, "I Am Ok")
    _type_as_a_person(page, " And Then More")
    page.wait_for_timeout(300)
    assert "/privacy/" in page.url
    expect(field).to_have_value("I Am Ok And Then More")


def test_three_lone_shift_presses_still_leave(browser_session):
    session = browser_session()
    session.login(make_member())
    page = session.page
    _stub_neutral_site(page)
    page.goto("/")
    page.get_by_role("link", name="Search").focus()
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(re.compile(re.escape(settings.KINDRED_QUICK_EXIT_URL)))


def test_a_live_notification_says_new_activity_and_the_tab_stays_neutral(browser_session, axe):
    member = make_member(pseudonym="BellWatcher")
    replier = make_member(pseudonym="QuietRiver12")
    group = make_group(name="Bell group")
    add_member(group, member)
    add_member(group, replier)
    thread = make_thread(group, member, title="Meeting with my manager", body="It went badly.")
    session = browser_session()
    session.login(member)
    page = session.page
    page.goto("/")
    expect(page).to_have_title("Notes")
    expect(page.locator("#safer-device-heading")).to_be_visible()
    axe(page, "on the home page with the safer-device notice")
    expect(page.locator("#notification-bell")).to_have_attribute("data-unread", "0")
    # A reply from another member, written in another window: the live server notifies.
    replying = browser_session()
    replying.login(replier)
    replying.page.goto(f"/groups/{group.slug}/threads/{thread.pk}/")
    replying.page.get_by_label("Your reply").fill("I am sorry, that sounds hard.")
    replying.page.get_by_role("button", name="Post reply").click()
    expect(page.locator("#notification-count [data-count]")).to_have_text("1")
    expect(page.locator("#notification-announcer")).to_have_text("New activity")
    expect(page).to_have_title("Notes")
    assert "QuietRiver12" not in page.content() and "manager" not in page.content()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert "favicon-neutral" in icon
    for path in ("/notifications/", "/settings/notifications/"):
        page.goto(path)
        expect(page).to_have_title("Notes")
        axe(page, f"on {path}")
    page.get_by_label("Replies to your threads").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Your notification settings are saved.")
