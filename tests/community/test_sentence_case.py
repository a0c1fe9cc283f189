"""Sentence case and one name per action (issue 13): allauth's pages said "Sign Up", "Verify
Your Email Address", "New Password"; Kindred's overrides say "Join", "Confirm your email
address", "New password". Signing up is called "Join" everywhere."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.crawl import crawl
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db

# Text a person reads: headings, buttons, labels, links, legends, the title, paragraphs.
READ = re.compile(
    r"<(h1|h2|h3|button|label|legend|title|a|summary|th|p|span)\b[^>]*>(.*?)</\1>", re.S
)
# Two or more capitalised words in a row ("Sign Up", "Two-Factor Authentication").
TITLE_CASE = re.compile(r"\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)+\b")
ANONYMOUS_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]
MEMBER_PAGES = [
    "account_email",
    "account_change_password",
    "account_reauthenticate",
    "mfa_index",
    "mfa_activate_totp",
    "usersessions_list",
    "account_logout",
]
MFA_MEMBER_PAGES = ["mfa_index", "mfa_deactivate_totp", "mfa_generate_recovery_codes"]


def _title_case_in(html: str) -> set[str]:
    found = set()
    for _tag, inner in READ.findall(html):
        found.update(TITLE_CASE.findall(re.sub(r"<[^>]+>", " ", inner)))
    return found


def _reauthenticated(user) -> Client:
    client = Client()
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_signed_out_account_pages_are_in_sentence_case(client, name):
    html = client.get(reverse(name)).content.decode()
    assert _title_case_in(html) == set()


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_member_account_pages_are_in_sentence_case(name):
    html = _reauthenticated(make_member()).get(reverse(name)).content.decode()
    assert _title_case_in(html) == set()


@pytest.mark.parametrize("name", MFA_MEMBER_PAGES)
def test_two_factor_pages_are_in_sentence_case(name):
    html = _reauthenticated(make_member(mfa=True)).get(reverse(name)).content.decode()
    assert _title_case_in(html) == set()


def test_the_email_confirmation_page_is_in_sentence_case_and_names_no_one(client, mailoutbox):
    password = "an0ther-long-passphrase"
    client.post(
        reverse("account_signup"),
        {
            "email": "newcomer@example.org",
            "pseudonym": "SteadyOtter42",
            "password1": password,
            "password2": password,
        },
    )
    link = re.search(r"http://testserver(\S+)", mailoutbox[-1].body).group(1)

    html = Client().get(link).content.decode()

    assert "Confirm your email address" in html and _title_case_in(html) == set()
    assert "SteadyOtter42" not in html  # whoever reads the inbox learns no pseudonym


def test_signing_up_is_called_join_everywhere(client):
    pages = [
        client.get(reverse("home")).content.decode(),
        client.get(reverse("account_login")).content.decode(),
        client.get(reverse("account_signup")).content.decode(),
    ]
    for html in pages:
        text = re.sub(r"<[^>]+>", " ", html)  # what is read, not the addresses
        assert not re.search(r"sign[ -]?up|join with a pseudonym", text, re.I)
    signup = pages[2]
    assert "<title>Join · Kindred</title>" in signup
    assert re.search(r"<h1[^>]*>\s*Join\s*</h1>", signup)
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Join\s*</button>', signup)


LABEL_OR_LEGEND = re.compile(r"<(label|legend)\b[^>]*>(.*?)</\1>", re.S)


def _colon_labels(html: str) -> list[str]:
    texts = (re.sub(r"<[^>]+>", "", inner).strip() for _tag, inner in LABEL_OR_LEGEND.findall(html))
    return [text for text in texts if text.endswith(":")]


def test_no_label_or_legend_ends_in_a_colon_on_any_page(member):
    """Labels sit above their controls (docs/design.md): Django's trailing colon is gone from
    every form, the project's and allauth's, on every page a member reaches."""
    anonymous = [Client().get(reverse(name)).content.decode() for name in ANONYMOUS_PAGES]
    client = _reauthenticated(member)
    pages = crawl(
        client, ["/", "/settings/", "/groups/", "/journal/", *map(reverse, MEMBER_PAGES[:-1])]
    )
    assert len(pages) > 20
    found = {page.path: _colon_labels(page.html) for page in pages if page.is_html} | {
        name: _colon_labels(html) for name, html in zip(ANONYMOUS_PAGES, anonymous, strict=True)
    }
    assert {path: labels for path, labels in found.items() if labels} == {}
