"""Invariant 4: every email the app sends is neutral.

One journey triggers every email allauth can send in Kindred's configuration, through the real
views, from a distinctive IP address and browser; then each message in the outbox is read.
"""

import re

import pyotp
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from community.models import User
from tests.factories import PASSWORD, make_member

IP = "203.0.113.77"
USER_AGENT = "ZebraBrowser/9.9 (Gizmo OS)"
FORBIDDEN_WORDS = ["kindred", "harass", "support", "abuse", "hello from", "thank you for using"]
NEW_PASSWORD = "an0ther-long-passphrase"
URL = re.compile(r"https?://\S+")

# Every email allauth can send with this configuration (login by code, unknown-account mails
# and WebAuthn are switched off), by subject.
EXPECTED_SUBJECTS = {
    "Confirm your email address",
    "Sign-up attempt",
    "Password reset",
    "Password changed",
    "Password set",
    "Email address changed",
    "Email address removed",
    "Authenticator app added",
    "Authenticator app removed",
    "New recovery codes",
}


def _client() -> Client:
    return Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=USER_AGENT)


def _link_in(message) -> str:
    return URL.search(message.body).group(0).replace("http://testserver", "")


def _sign_in(client, email, password=PASSWORD):
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    # Changing email, password or MFA needs a fresh password entry, not just a session.
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


def _trigger_every_email():
    # Sign-up confirmation, and the "account already exists" mail for a known address.
    member = make_member(email="known@example.org", pseudonym="KnownMember")
    signup = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    _client().post(
        reverse("account_signup"),
        {**signup, "email": "fresh@example.org", "pseudonym": "FreshFern12"},
    )
    _client().post(
        reverse("account_signup"),
        {**signup, "email": "known@example.org", "pseudonym": "OtherFern12"},
    )

    # Password reset: the link, then the "password was reset" notice.
    client = _client()
    client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    reset_page = client.get(_link_in(mail.outbox[-1]), follow=True)
    client.post(
        reset_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert User.objects.get(pk=member.pk).check_password(NEW_PASSWORD)

    # Email management, signed in with a recent password so no re-authentication step.
    client = _client()
    _sign_in(client, "known@example.org", NEW_PASSWORD)
    email_url = reverse("account_email")
    client.post(email_url, {"action_add": "", "email": "second@example.org"})
    confirm_path = _link_in(mail.outbox[-1])
    client.post(confirm_path)
    client.post(email_url, {"action_primary": "", "email": "second@example.org"})
    client.post(email_url, {"action_remove": "", "email": "known@example.org", "confirmed": "1"})

    # Two-factor: activate (with recovery codes), regenerate the codes, deactivate.
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})
    client.post(reverse("mfa_generate_recovery_codes"))
    client.post(reverse("mfa_deactivate_totp"))

    # Password change (signs the member out), and a first password for an account without one.
    client.post(
        reverse("account_change_password"),
        {"oldpassword": NEW_PASSWORD, "password1": PASSWORD, "password2": PASSWORD},
    )
    passwordless = make_member(email="nopassword@example.org")
    passwordless.set_unusable_password()
    passwordless.save(update_fields=["password"])
    client = _client()
    client.force_login(passwordless)
    client.post(reverse("account_set_password"), {"password1": PASSWORD, "password2": PASSWORD})


@pytest.fixture
def outbox(transactional_db):
    # transactional_db: allauth sends several notices from transaction.on_commit.
    mail.outbox.clear()
    _trigger_every_email()
    return list(mail.outbox)


def test_every_kind_of_email_was_triggered(outbox):
    assert {message.subject for message in outbox} == EXPECTED_SUBJECTS


def test_no_email_names_the_service_or_its_purpose(outbox):
    for message in outbox:
        for part in (message.from_email, message.subject, URL.sub("", message.body)):
            lowered = part.lower()
            for word in FORBIDDEN_WORDS:
                assert word not in lowered, f"{word!r} in {message.subject!r}: {part}"
            # The site's name or host (RequestSite: the Host header) is branding too.
            assert "testserver" not in lowered, f"host in {message.subject!r}: {part}"


def test_no_email_carries_the_ip_address_or_browser(outbox):
    for message in outbox:
        text = f"{message.from_email}\n{message.subject}\n{message.body}"
        assert IP not in text, message.subject
        assert "Zebra" not in text and "Gizmo" not in text, message.subject
        assert "ip address" not in text.lower(), message.subject
        assert "browser" not in text.lower(), message.subject
        assert all(header not in message.extra_headers for header in ("X-Mailer", "Organization"))


def test_sender_is_the_neutral_default(outbox, settings):
    assert {message.from_email for message in outbox} == {settings.DEFAULT_FROM_EMAIL}
