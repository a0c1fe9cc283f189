"""After a bad submit, focus lands on the error summary, whose links lead to each control, and
the title starts with "Error:" (issue 13 defect 6), signed out and signed in; axe on each."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.community.advocates_helpers import make_advocate
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
