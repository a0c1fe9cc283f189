"""Sign-in activity and message requests in real Chromium, by keyboard: a member warned of a
failed attempt follows the link to their activity page and ends another device's session; a
member declines and blocks a filtered request. Axe audits both pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from community.models import User
from messaging.services.conversations import start_direct_conversation
from moderation.models import Block
from tests.factories import PASSWORD, make_member
from tests.messaging.conftest import make_group

pytestmark = pytest.mark.browser


def sign_in_through_the_form(page, email: str, password: str = PASSWORD) -> None:
    page.goto(reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")


def test_a_member_is_told_of_a_failed_attempt_and_ends_another_session(browser_session, axe):
    member = make_member(pseudonym="WaryOtter")
    other_device = browser_session()
    sign_in_through_the_form(other_device.page, member.email)
    expect(other_device.page).not_to_have_url(reverse("account_login"))
    stranger = browser_session().page
    sign_in_through_the_form(stranger, member.email, "not-the-password")
    expect(stranger.locator("form.account-form")).to_contain_text("not correct")
    this_device = browser_session()
    page = this_device.page

    sign_in_through_the_form(page, member.email)

    warning = page.locator(".messages")
    expect(warning).to_contain_text("There was 1 failed sign-in attempt since")
    warning.get_by_role("link", name="Review your sign-in activity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in activity")
    expect(page.locator(".session-list li")).to_have_count(2)
    expect(page.locator("tbody")).to_contain_text("Wrong password or code")
    expect(page.locator("tbody")).to_contain_text("Chrome on Linux")
    axe(page, "on the sign-in activity page")

    end = page.get_by_role("button", name="End this session")
    end.focus()
    end.press("Enter")

    expect(page.locator(".messages")).to_contain_text("That session is signed out.")
    expect(page.locator(".session-list li")).to_have_count(1)
    other_device.page.goto(reverse("settings"))
    expect(other_device.page).to_have_url(f"{reverse('account_login')}?next=/settings/")
    axe(page, "after ending a session")


def test_a_member_declines_and_blocks_a_filtered_request(browser_session, axe):
    recipient = make_member(pseudonym="CalmBirch")
    User.objects.filter(pk=recipient.pk).update(date_joined=timezone.now() - timedelta(days=90))
    newcomer = make_member(pseudonym="BrandNewFox")
    make_group(members=[recipient, newcomer])
    start_direct_conversation(
        sender=newcomer, recipient=recipient, body="remember me from work?", client_id="r1"
    )
    session = browser_session()
    session.login(recipient)
    page = session.page

    page.goto(reverse("messaging:requests"))
    expect(page.get_by_text("No message requests.")).to_be_visible()
    page.get_by_role("link", name="Filtered requests (1)").click()
    request = page.locator("article.card")
    expect(request).to_contain_text("remember me from work?")
    expect(request.get_by_role("link", name="Report this to the moderators")).to_be_visible()
    axe(page, "on the filtered requests list")

    request.get_by_role("button", name="Decline and block").press("Enter")
    expect(
        page.get_by_role("heading", name="Decline this request and block its sender?")
    ).to_be_visible()
    axe(page, "on the decline-and-block confirmation")
    page.get_by_role("button", name="Decline and block").press("Enter")

    expect(page.locator(".messages")).to_contain_text("Declined and blocked.")
    expect(page.get_by_text("No filtered requests.")).to_be_visible()
    assert Block.objects.filter(owner=recipient, target=newcomer).exists()
    axe(page, "after declining and blocking")
