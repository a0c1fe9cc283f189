"""Accounts: allauth pages inside Kindred's shell, pseudonyms at signup, re-authentication,
MFA for staff tools, and ending other sessions."""

import re

import pyotp
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from community.models import Profile, User
from community.permissions import require_mfa
from community.pseudonyms import ADJECTIVES, NOUNS
from tests.factories import PASSWORD, make_member

NEW_PASSWORD = "an0ther-long-passphrase"
ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password"]
MEMBER_PAGES = [
    "account_email",
    "account_change_password",
    "account_reauthenticate",
    "mfa_index",
    "usersessions_list",
]
SUGGESTION = re.compile(rf"^({'|'.join(ADJECTIVES)})({'|'.join(NOUNS)})\d{{2}}$")


def _signup_data(**overrides):
    data = {
        "email": "newcomer@example.org",
        "pseudonym": "SteadyOtter42",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def _assert_in_shell(response):
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="quick-exit"' in html
    assert '<main id="main"' in html
    assert "css/kindred.css" in html
    # allauth's bare fallback layout lists its own menu; Kindred's shell never does.
    assert "Menu:" not in html


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_anonymous_account_pages_render_inside_the_shell(client, db, name):
    _assert_in_shell(client.get(reverse(name)))


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_member_account_pages_render_inside_the_shell(member_client, name):
    _assert_in_shell(member_client.get(reverse(name)))


def test_reset_from_key_page_renders_inside_the_shell(client, member, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"http://testserver(\S+)", mailoutbox[-1].body).group(1)
    _assert_in_shell(client.get(link, follow=True))


def test_mfa_pages_render_inside_the_shell_after_reauthentication(client, member):
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    activate = client.get(reverse("mfa_activate_totp"))
    _assert_in_shell(activate)
    secret = activate.context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})
    _assert_in_shell(client.get(reverse("mfa_view_recovery_codes")))
    # The second step of signing in.
    client.post(reverse("account_logout"))
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    _assert_in_shell(client.get(reverse("mfa_authenticate")))


# Pseudonyms at signup


def test_signup_suggests_a_generated_pseudonym(client, db):
    response = client.get(reverse("account_signup"))
    suggestion = response.context["form"]["pseudonym"].value()
    assert SUGGESTION.match(suggestion), suggestion
    assert f'value="{suggestion}"' in response.content.decode()


def test_signup_can_keep_the_suggestion(client, db):
    suggestion = client.get(reverse("account_signup")).context["form"]["pseudonym"].value()
    response = client.post(reverse("account_signup"), _signup_data(pseudonym=suggestion))
    assert response.status_code == 302
    assert User.objects.get(email="newcomer@example.org").profile.pseudonym == suggestion


def test_signup_keeps_the_chosen_pseudonym(client, db):
    response = client.post(reverse("account_signup"), _signup_data(pseudonym="Willow Walker"))
    assert response.status_code == 302
    user = User.objects.get(email="newcomer@example.org")
    assert user.profile.pseudonym == "Willow Walker"
    assert not EmailAddress.objects.get(user=user).verified


@pytest.mark.parametrize(
    ("pseudonym", "message"),
    [
        ("jane.doe@corp.com", "cannot look like an email address"),
        ("jane at corp dot com", "cannot look like an email address"),
        ("www.janedoe.net", "cannot look like a web address"),
        ("https://x.io/me", "cannot look like a web address"),
        ("555 123 4567", "cannot look like a phone number"),
        ("Call 0151-234-5678", "cannot look like a phone number"),
    ],
)
def test_signup_refuses_identifying_pseudonyms_and_keeps_the_input(client, db, pseudonym, message):
    response = client.post(reverse("account_signup"), _signup_data(pseudonym=pseudonym))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="newcomer@example.org"' in html
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_pseudonyms_are_unique_ignoring_case(client, member):
    taken = member.profile.pseudonym.swapcase()
    response = client.post(reverse("account_signup"), _signup_data(pseudonym=taken))
    assert response.status_code == 200
    assert "That pseudonym is taken" in response.content.decode()
    assert Profile.objects.filter(pseudonym__iexact=taken).count() == 1


def test_profile_edit_refuses_another_members_pseudonym_in_other_case(member_client, other_member):
    response = member_client.post(
        reverse("profile_edit"),
        {"pseudonym": other_member.profile.pseudonym.upper(), "dm_policy": "members"},
    )
    assert "That pseudonym is taken" in response.content.decode()


# Re-authentication for email, password and MFA changes


def test_adding_an_email_needs_reauthentication(member_client, member):
    response = member_client.post(
        reverse("account_email"), {"action_add": "", "email": "second@example.org"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="second@example.org").exists()

    member_client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    member_client.post(reverse("account_email"), {"action_add": "", "email": "second@example.org"})
    assert EmailAddress.objects.filter(user=member, email="second@example.org").exists()


def test_changing_the_password_needs_the_current_password(member_client, member):
    # allauth re-authenticates a password change on the form itself: the current password.
    data = {"oldpassword": "wrong-guess-123", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = member_client.post(reverse("account_change_password"), data)
    assert response.status_code == 200
    assert "Please type your current password" in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)

    member_client.post(reverse("account_change_password"), {**data, "oldpassword": PASSWORD})
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_enabling_totp_needs_reauthentication(member_client, member):
    response = member_client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    member_client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert member_client.get(reverse("mfa_activate_totp")).status_code == 200


def test_disabling_totp_needs_reauthentication(db):
    member = make_member(mfa=True)
    client = Client()
    client.force_login(member)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()


def test_reauthentication_with_a_wrong_password_changes_nothing(member_client, member):
    response = member_client.post(reverse("account_reauthenticate"), {"password": "wrong-guess"})
    assert response.status_code == 200
    response = member_client.post(
        reverse("account_email"), {"action_add": "", "email": "second@example.org"}
    )
    assert response["Location"].startswith(reverse("account_reauthenticate"))


# MFA for staff tools


def _request_for(user):
    request = RequestFactory().get("/tools/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@require_mfa
def _staff_tool(request):
    return HttpResponse("tool")


def test_require_mfa_sends_members_without_mfa_to_totp_setup(member):
    response = _staff_tool(_request_for(member))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_require_mfa_lets_members_with_mfa_through(db):
    response = _staff_tool(_request_for(make_member(mfa=True)))
    assert response.status_code == 200
    assert response.content == b"tool"


def test_admin_login_goes_through_allauth(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_without_mfa_cannot_use_the_admin(client, db):
    client.force_login(make_member(staff=True))
    response = client.get(reverse("admin:index"), follow=True)
    visited = [url for url, _status in response.redirect_chain]
    assert reverse("mfa_activate_totp") in visited
    assert client.get(reverse("admin:community_user_changelist")).status_code == 302


def test_staff_with_mfa_can_use_the_admin(client, db):
    client.force_login(make_member(staff=True, mfa=True))
    assert client.get(reverse("admin:index")).status_code == 200


# Sessions


def test_member_sees_and_ends_their_other_sessions(member):
    laptop = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Firefox/133.0")
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Version/17.5 Mobile Safari/604.1")
    for client in (laptop, phone):
        response = client.post(
            reverse("account_login"), {"login": member.email, "password": PASSWORD}
        )
        assert response.status_code == 302
    listing = laptop.get(reverse("usersessions_list"))
    assert listing.context["session_count"] == 2
    # Only the coarse device is kept and shown (decision 0008).
    assert "Safari on iPhone" in listing.content.decode()
    assert "IP Address" not in listing.content.decode()

    laptop.post(reverse("usersessions_list"))

    assert phone.get(reverse("settings"))["Location"].startswith(reverse("account_login"))
    assert laptop.get(reverse("settings")).status_code == 200
    assert laptop.get(reverse("usersessions_list")).context["session_count"] == 1
