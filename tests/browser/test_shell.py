import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_member

pytestmark = pytest.mark.browser

NEUTRAL = "https://neutral.example/"


def _stub_neutral_site(page):
    # The neutral site is on the internet; the test answers for it so nothing leaves the machine.
    page.route(
        "https://www.wikipedia.org/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Neutral</title><p>neutral</p>"
        ),
    )


def test_landing_page_passes_axe_and_has_quick_exit_first(page, axe):
    page.goto("/")
    axe(page, "on the landing page")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "quick-exit"


def test_quick_exit_click_blanks_page_and_replaces_location(page):
    _stub_neutral_site(page)
    page.goto("/privacy/")
    page.click("#quick-exit")
    page.wait_for_url(re.compile(r"wikipedia"))
    expect(page.locator("body")).to_contain_text("neutral")


def test_three_shift_presses_leave_the_site_and_back_does_not_return(page):
    _stub_neutral_site(page)
    page.goto("/")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_url(re.compile(r"wikipedia"))
    page.go_back()
    assert "127.0.0.1" not in page.url


def test_signed_in_dashboard_passes_axe(browser_session, axe):
    session = browser_session()
    session.login(make_member(pseudonym="QuietHeron11"))
    session.page.goto("/")
    expect(session.page.get_by_role("heading", level=1)).to_contain_text("QuietHeron11")
    axe(session.page, "on the dashboard")


def test_quick_exit_stays_visible_when_scrolled_and_blanks_the_page_at_once(page):
    _stub_neutral_site(page)
    page.set_viewport_size({"width": 390, "height": 500})
    page.goto("/privacy/")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    # On a phone it floats in the header's band, 8 px from the top of the window.
    box = page.locator("#quick-exit").bounding_box()
    assert box is not None and 0 <= box["y"] <= 10
    expect(page.locator("#quick-exit")).to_be_visible()

    # Read the page in the same task as the click, before the neutral site can load.
    children, title, exiting = page.evaluate(
        """() => {
            document.getElementById("quick-exit").click();
            return [document.body.childElementCount, document.title,
                    document.documentElement.classList.contains("exiting")];
        }"""
    )
    assert (children, title, exiting) == (0, "", True)
    page.wait_for_url(re.compile(r"wikipedia"))
