"""The language switch in real Chromium (issue 13): a visitor switches the footer to Spanish
without scripts being needed, and a member's choice follows them to a new browser."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from community.models import Profile, User
from tests.browser.test_every_page import (
    DEMO_PASSWORD,
    PEOPLE,
    _check_both_widths,
    _pages_of,
    _seed_demo,
)
from tests.browser.test_sign_ins import sign_in_through_the_form
from tests.factories import make_member, unlock_journal

pytestmark = pytest.mark.browser


def test_a_visitor_switches_to_spanish_from_the_footer_and_stays_on_the_page(page, axe):
    page.goto("/privacy/")
    footer = page.locator("footer")
    footer.get_by_label("Language").select_option("es")
    footer.get_by_role("button", name="Change language").click()
    page.wait_for_url("**/privacy/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cómo te protegemos")
    expect(footer.get_by_label("Idioma")).to_have_value("es")
    axe(page, "on a page in Spanish")


def test_the_switch_works_with_scripts_off(browser_session):
    session = browser_session()
    context = session.context.browser.new_context(
        base_url=session.base_url, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/")
    page.locator("footer").get_by_label("Language").select_option("es")
    page.locator("footer").get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    context.close()


def test_a_members_choice_follows_them_to_a_new_browser(browser_session):
    member = make_member(pseudonym="CalmHeron")
    first = browser_session()
    sign_in_through_the_form(first.page, member.email)
    first.page.goto(reverse("settings"))
    first.page.locator("main").get_by_role("combobox", name="Language").select_option("es")
    first.page.locator("main").get_by_role("button", name="Change language").click()
    expect(first.page.locator("html")).to_have_attribute("lang", "es")
    assert Profile.objects.get(user=member).language == "es"

    second = browser_session()  # a fresh browser, its own cookies
    sign_in_through_the_form(second.page, member.email)
    expect(second.page.locator("html")).to_have_attribute("lang", "es")


@pytest.mark.parametrize("person", list(PEOPLE))
def test_every_page_in_spanish_at_both_widths(browser_session, live_server_url, person):
    """Spanish runs longer than English: the every-page checks (no sideways scroll, a phone
    header of at most 64 px, axe) on each person's pages in Spanish."""
    _seed_demo()
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    session = browser_session()
    if PEOPLE[person]:
        user = User.objects.get(email=PEOPLE[person])
        Profile.objects.filter(user=user).update(language="es")
        client.force_login(User.objects.get(pk=user.pk))
        if person == "member":
            unlock_journal(client, password=DEMO_PASSWORD)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        session.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server_url}]
        )
    else:
        session.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "es", "url": live_server_url}]
        )
    paths = _pages_of(client, person)
    page = session.page
    problems = []
    for path in paths:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(path)
        if page.locator("html").get_attribute("lang") != "es":
            problems.append(f"{path}: not in Spanish")
        problems += _check_both_widths(page, path, f"{person}-es")
    assert len(paths) >= (4 if person == "visitor" else 15), paths
    assert not problems, "\n".join(problems)
