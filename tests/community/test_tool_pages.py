"""Advocate and staff tools answer a member without the role with 404, before anything asks for
a second factor (issue 13 defect 4): being sent to set up two-factor authentication told a
plain member the page exists and is for someone like them. Those with the role and without a
second factor are still sent to set one up."""

import pytest
from django.urls import reverse

from community.models import AdvocateProfile
from tests.community.advocates_helpers import make_advocate
from tests.factories import make_member

pytestmark = pytest.mark.django_db

ADVOCATE_PAGES = ["advocate_workload"]
STAFF_PAGES = ["group_proposals"]


@pytest.mark.parametrize("name", ADVOCATE_PAGES + STAFF_PAGES)
@pytest.mark.parametrize("mfa", [False, True])
def test_a_member_without_the_role_gets_404_with_or_without_a_second_factor(client, name, mfa):
    client.force_login(make_member(mfa=mfa))
    response = client.get(reverse(name))
    assert response.status_code == 404
    assert reverse("mfa_activate_totp") not in response.get("Location", "")


def test_an_advocate_still_waiting_for_verification_gets_404(client):
    client.force_login(make_advocate(status=AdvocateProfile.Status.APPLIED, mfa=False))
    assert client.get(reverse("advocate_workload")).status_code == 404


@pytest.mark.parametrize(
    ("name", "args"),
    [("group_proposal_decide", ["any-group"]), ("advocate_availability", [])],
)
def test_posting_to_a_tool_without_the_role_is_404(client, name, args):
    client.force_login(make_member(mfa=True))
    assert client.post(reverse(name, args=args), {}).status_code == 404


@pytest.mark.parametrize(
    ("user_maker", "name"),
    [
        (lambda: make_advocate(mfa=False), "advocate_workload"),
        (lambda: make_member(staff=True), "group_proposals"),
    ],
)
def test_with_the_role_and_no_second_factor_one_is_asked_for(client, user_maker, name):
    client.force_login(user_maker())
    assert client.get(reverse(name))["Location"].startswith(reverse("mfa_activate_totp"))
