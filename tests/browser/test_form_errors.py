"""After a bad submit, focus lands on the error summary, whose links lead to each control, and
the title starts with "Error:" (issue 13 defect 6), signed out and signed in; axe on each."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from community.models import Membership
from tests.community.advocates_helpers import make_advocate
from tests.community.groups_helpers import add_member, make_group, make_thread
from tests.factories import make_member

pytestmark = pytest.mark.browser


def test_a_failed_sign_in_focuses_the_error_summary(page, axe):
    member = make_member()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    assert page.title().startswith("Error: ")
    axe(page, "on sign in with an error")


def test_the_support_form_summary_leads_to_the_radio_group(browser_session, axe):
    make_advocate(specialties=("counselling",))
    session = browser_session()
    session.login(make_member())
    page = session.page
    page.goto("/support/new/")
    page.get_by_role("button", name="Send request").click()

    expect(page.locator(".error-summary")).to_be_focused()
    assert page.title() == f"Error: {settings.KINDRED_NEUTRAL_NAME}"
    axe(page, "on the support form with errors")
    page.locator(".error-summary").get_by_role("link", name="What kind of help").click()
    expect(page.locator("#id_specialty_0")).to_be_focused()
    # The radio itself says what is wrong, not only its fieldset.
    description = page.locator("#id_specialty_0").get_attribute("aria-describedby")
    assert "id_specialty_error" in description.split()


def test_a_ban_without_a_reason_stays_on_its_confirmation_with_the_summary_focused(
    browser_session, axe
):
    group = make_group()
    author = make_member(pseudonym="LoudHeron")
    moderator = make_member(mfa=True)
    add_member(group, author)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    thread = make_thread(group, author, title="A thread", body="Words that break the rules")
    session = browser_session()
    session.login(moderator)
    page = session.page
    page.goto(f"/groups/{group.slug}/threads/{thread.pk}/")
    page.locator(f"#post-{thread.pk} .moderator-menu summary").click()
    page.locator(f"#post-{thread.pk}").get_by_role("link", name="Ban author").click()
    axe(page, "on the ban confirmation")
    expect(page.locator("main")).to_contain_text("Words that break the rules")

    page.get_by_role("button", name="Ban author").click()

    expect(page.locator(".error-summary")).to_be_focused()
    assert page.title() == f"Error: {settings.KINDRED_NEUTRAL_NAME}"
    axe(page, "on the ban confirmation with an error")
    assert Membership.objects.get(group=group, user=author).state == Membership.State.ACTIVE
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator(f"#post-{thread.pk}")).to_be_visible()
