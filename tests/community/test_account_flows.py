"""Careful account flows (issue 13 defect 5): confirming the email signs the new member in, in the
browser that signed up and nowhere else, and turning on two-factor authentication straight after
signing in does not ask for the password again."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from community.models import User
from tests.factories import PASSWORD, make_member

NEW_PASSWORD = "an0ther-long-passphrase"
SIGNUP = {
    "email": "newcomer@example.org",
    "pseudonym": "SteadyOtter42",
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
}


def _confirmation_path(mailoutbox):
    return re.search(r"http://testserver(\S+)", mailoutbox[-1].body).group(1)


def _signed_in_as(client):
    response = client.get(reverse("settings"))
    return response.status_code == 200


@pytest.mark.django_db
def test_confirming_the_email_signs_the_new_member_in(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    assert not _signed_in_as(client)

    link = _confirmation_path(mailoutbox)
    assert client.get(link).status_code == 200  # the confirm page; only its POST confirms
    response = client.post(link)

    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert int(client.session["_auth_user_id"]) == User.objects.get(email=SIGNUP["email"]).pk
    page = client.get(response["Location"], follow=True).content.decode()
    assert "please sign up first" not in page.lower()


@pytest.mark.django_db
def test_a_confirmation_link_opened_in_another_browser_signs_no_one_in(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    link = _confirmation_path(mailoutbox)

    elsewhere = Client()
    response = elsewhere.post(link)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in elsewhere.session
    # The address is confirmed all the same: signing in with the password now works.
    response = elsewhere.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": NEW_PASSWORD}
    )
    assert "_auth_user_id" in elsewhere.session


@pytest.mark.django_db
def test_turning_on_totp_right_after_the_email_confirmation_sign_in_asks_no_password(
    client, mailoutbox
):
    client.post(reverse("account_signup"), SIGNUP)
    client.post(_confirmation_path(mailoutbox))

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()


@pytest.mark.django_db
def test_turning_on_totp_right_after_signing_in_asks_no_password(client):
    member = make_member()
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()


@pytest.mark.django_db
def test_turning_on_totp_long_after_signing_in_asks_for_the_password(client, settings):
    member = make_member()
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0  # as if the sign-in was long ago

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


@pytest.mark.django_db
def test_the_email_confirmation_sign_in_still_leaves_the_journal_locked(client, mailoutbox):
    # Only the journal's own unlock opens it, never a sign-in (community/journal_lock.py).
    client.post(reverse("account_signup"), SIGNUP)
    client.post(_confirmation_path(mailoutbox))

    response = client.get(reverse("journal"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
