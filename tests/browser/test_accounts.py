"""A newcomer's whole journey in Chromium: sign up with a pseudonym, verify the address from
the email, turn on an authenticator app, sign out, sign in with password and code.
axe audits every page on the way."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from community.models import User
from community.pseudonyms import ADJECTIVES, NOUNS
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.browser

EMAIL = "newcomer@example.org"
NEW_PASSWORD = "a-long-and-quiet-passphrase"
SUGGESTION = re.compile(rf"^({'|'.join(ADJECTIVES)})({'|'.join(NOUNS)})\d{{2}}$")


def _field(page, label: str):
    # Django adds ":" to labels; match the whole label so "Password" is not "Password (again)".
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def _link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+", body).group(0)


def test_newcomer_signs_up_verifies_enables_totp_and_signs_in_again(page, axe, sent_mail):
    page.set_default_timeout(10_000)
    page.goto("/accounts/signup/")
    axe(page, "on sign up")
    suggestion = _field(page, "Pseudonym").input_value()
    assert SUGGESTION.match(suggestion), suggestion

    # A pseudonym that looks like an email is refused, and what was typed stays.
    _field(page, "Email").fill(EMAIL)
    _field(page, "Pseudonym").fill("me@work.example")
    _field(page, "Password").fill(NEW_PASSWORD)
    _field(page, "Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Join", exact=True).click()
    # Said twice: in the summary that takes focus, and next to the field.
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".errorlist")).to_contain_text("cannot look like an email address")
    expect(_field(page, "Email")).to_have_value(EMAIL)
    axe(page, "on sign up with an error")

    _field(page, "Pseudonym").fill("Quiet Harbor")
    _field(page, "Password").fill(NEW_PASSWORD)
    _field(page, "Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirm your email address")
    axe(page, "on verification sent")

    # The verification link from the email.
    page.goto(_link_in(sent_mail.wait_for(EMAIL)))
    axe(page, "on confirm email")
    page.get_by_role("button", name="Confirm").click()
    # Confirming in the browser that signed up signs the newcomer in (issue 13 defect 5).
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quiet Harbor")
    assert User.objects.get(email=EMAIL).emailaddress_set.get().verified

    # Two-factor straight after signing in asks no password again: scan (here: read) the
    # secret and confirm a code.
    page.goto("/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("authenticator app")
    axe(page, "on activate authenticator")
    secret = page.locator("#authenticator_secret").input_value()
    _field(page, "Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("main")).to_contain_text("Recovery")
    axe(page, "after activating the authenticator")
    page.goto("/accounts/2fa/")
    axe(page, "on two-factor overview")

    # Sign out, then in again with password and a code.
    page.get_by_role("button", name="Sign out").click()
    nav_sign_in = page.get_by_role("navigation").get_by_role("link", name="Sign in")
    expect(nav_sign_in).to_be_visible()
    nav_sign_in.click()
    axe(page, "on sign in")
    _field(page, "Email").fill(EMAIL)
    _field(page, "Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(_field(page, "Code")).to_be_visible()
    axe(page, "on the authenticator step")
    # Activation does not spend a code, so the authenticator's current one is fine.
    _field(page, "Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quiet Harbor")


def test_password_reset_pages_pass_axe(page, axe, sent_mail):
    member = make_member(email="forgetful@example.org")
    page.goto("/accounts/password/reset/")
    axe(page, "on password reset")
    _field(page, "Email").fill(member.email)
    page.get_by_role("button", name="Send the link").click()
    axe(page, "on password reset sent")
    page.goto(_link_in(sent_mail.wait_for(member.email)))
    axe(page, "on set a new password")
    _field(page, "New password").fill(NEW_PASSWORD)
    _field(page, "New password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    axe(page, "after the reset")
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_signed_in_account_pages_pass_axe(browser_session, axe):
    session = browser_session()
    member = make_member(mfa=True)
    session.login(member)
    for path in [
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/sessions/",
        "/accounts/reauthenticate/",
        "/accounts/logout/",
        "/settings/",
    ]:
        session.page.goto(path)
        expect(session.page.locator("#quick-exit")).to_be_visible()
        axe(session.page, f"on {path}")
    # Signing in again and viewing recovery codes, a page with allauth's own script.
    session.page.goto("/accounts/reauthenticate/")
    _field(session.page, "Password").fill(PASSWORD)
    session.page.get_by_role("button", name="Confirm").click()
    session.page.goto("/accounts/2fa/recovery-codes/generate/")
    axe(session.page, "on generate recovery codes")
