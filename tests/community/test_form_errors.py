"""Form errors (issue 13 defect 6): every form that comes back with errors opens with a summary
that links to each field in error and takes focus, the page title starts with "Error:", and every
control, radio groups and checkboxes included, is tied to its error and help text."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from tests.community.advocates_helpers import make_advocate
from tests.factories import PASSWORD


class _Elements(HTMLParser):
    """Every start tag's attributes, and the page title."""

    def __init__(self):
        super().__init__()
        self.elements = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _parse(response):
    parser = _Elements()
    parser.feed(response.content.decode())
    return parser


def _by_id(page, element_id):
    return next(attrs for _tag, attrs in page.elements if attrs.get("id") == element_id)


def _summary_links(response):
    html = response.content.decode()
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert summary, "no error summary"
    return re.findall(r'href="#([^"]+)"', summary.group(1))


def _assert_summary_takes_focus(response):
    page = _parse(response)
    summary = next(attrs for tag, attrs in page.elements if attrs.get("class") == "error-summary")
    assert summary["tabindex"] == "-1"
    assert "data-error-summary" in summary
    assert any(
        tag == "script" and attrs.get("src", "").endswith("js/error-summary.js")
        for tag, attrs in page.elements
    )


def _described_by(page, element_id):
    return _by_id(page, element_id).get("aria-describedby", "").split()


@pytest.fixture
def advocate(db):
    return make_advocate(specialties=("counselling",))


def test_the_support_form_with_errors_opens_with_a_focused_summary(member_client, advocate):
    response = member_client.post(reverse("support_request_new"), {"summary": ""})

    assert response.status_code == 200
    _assert_summary_takes_focus(response)
    assert {"id_specialty_0", "id_summary"} <= set(_summary_links(response))
    page = _parse(response)
    assert page.title.strip() == f"Error: {settings.KINDRED_NEUTRAL_NAME}"


def test_every_radio_of_the_support_form_is_tied_to_its_error(member_client, advocate):
    response = member_client.post(reverse("support_request_new"), {"summary": "", "urgency": "x"})
    page = _parse(response)

    _by_id(page, "id_specialty_error")
    _by_id(page, "id_urgency_error")
    radios = [
        attrs
        for tag, attrs in page.elements
        if tag == "input" and attrs.get("type") == "radio" and attrs.get("name") == "specialty"
    ]
    assert radios
    for radio in radios:
        assert "id_specialty_error" in radio.get("aria-describedby", "").split()
        assert radio.get("aria-invalid") == "true"
    assert "id_urgency_error" in _described_by(page, "id_urgency_0")
    assert "id_summary_error" in _described_by(page, "id_summary")
    assert "id_summary_helptext" in _described_by(page, "id_summary")


def test_checkboxes_are_tied_to_their_help_text(member_client, advocate):
    page = _parse(member_client.post(reverse("support_request_new"), {"summary": ""}))

    assert "id_self_harm_helptext" in _described_by(page, "id_self_harm")


def test_a_form_without_errors_has_no_summary_and_a_plain_title(member_client, advocate):
    response = member_client.get(reverse("support_request_new"))

    assert 'class="error-summary"' not in response.content.decode()
    assert _parse(response).title.strip() == settings.KINDRED_NEUTRAL_NAME


def test_a_failed_sign_in_opens_with_a_focused_summary(client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": "no"})

    assert response.status_code == 200
    _assert_summary_takes_focus(response)
    assert _parse(response).title.strip().startswith("Error: ")


def test_a_failed_sign_up_links_each_field_in_error(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "not-an-address", "pseudonym": "Calm42", "password1": PASSWORD, "password2": ""},
    )

    assert response.status_code == 200
    _assert_summary_takes_focus(response)
    assert {"id_email", "id_password2"} <= set(_summary_links(response))
    page = _parse(response)
    assert page.title.strip().startswith("Error: ")
    assert "id_email_error" in _described_by(page, "id_email")


def test_a_failed_password_reset_opens_with_a_focused_summary(client, db):
    response = client.post(reverse("account_reset_password"), {"email": "nope"})

    _assert_summary_takes_focus(response)
    assert _parse(response).title.strip().startswith("Error: ")


def test_a_wrong_totp_code_opens_with_a_focused_summary(member_client, member):
    member_client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = member_client.post(reverse("mfa_activate_totp"), {"code": "000000"})

    assert response.status_code == 200
    _assert_summary_takes_focus(response)
    assert _summary_links(response) == ["id_code"]
    assert _parse(response).title.strip() == f"Error: {settings.KINDRED_NEUTRAL_NAME}"


def test_a_refused_direct_message_titles_the_page_error_and_focuses_the_text(
    member_client, other_member
):
    # No shared group: the request is refused, and the typed text is kept in a focused box.
    response = member_client.post(
        reverse("messaging:direct_with", args=[other_member.profile.public_id]),
        {"body": "my typed text", "client_id": "c"},
    )

    assert response.status_code == 400
    page = _parse(response)
    assert page.title.strip() == f"Error: {settings.KINDRED_NEUTRAL_NAME}"
    body = _by_id(page, "direct-body")
    assert "autofocus" in body and body["aria-describedby"] == "direct-error"
