"""The confirmation step in Chromium (issue 13 defect 3): leaving a group asks first, Cancel
changes nothing, the confirm button acts; axe on the page."""

import pytest
from playwright.sync_api import expect

from community.models import Membership
from tests.community.groups_helpers import add_member, make_group
from tests.factories import make_member

pytestmark = pytest.mark.browser


def test_leaving_a_group_asks_first_and_cancel_changes_nothing(browser_session, axe):
    group = make_group(name="Night shift")
    member = make_member()
    add_member(group, member)
    session = browser_session()
    session.login(member)
    page = session.page
    page.goto(f"/groups/{group.slug}/")

    page.get_by_role("link", name="Leave this group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leave Night shift?")
    axe(page, "on the leave confirmation")
    page.get_by_role("link", name="Cancel").click()
    assert Membership.objects.get(group=group, user=member).state == Membership.State.ACTIVE

    page.get_by_role("link", name="Leave this group").click()
    page.get_by_role("button", name="Leave this group").click()
    expect(page.get_by_text("You left the group.")).to_be_visible()
    assert Membership.objects.get(group=group, user=member).state == Membership.State.LEFT
