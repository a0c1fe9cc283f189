"""axe's "moderate" landmark rules (issue 13 defect 10): all content sits in a landmark (the
quick exit and skip links were outside any) and no two landmarks share a role and a name (each
post's "Reactions" and "Moderator actions" forms were landmarks of the same name), on the
pages where they were found: any page, a thread with replies as member and as moderator, and
a live room."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from community.models import Membership
from messaging.models import Conversation
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.factories import make_member, make_message

pytestmark = pytest.mark.browser

RULES = ["region", "landmark-unique"]


def _landmark_violations(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": RULES, "resultTypes": ["violations"]})
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
    ]


def test_every_page_keeps_its_content_in_unique_landmarks(browser_session):
    member, moderator = (
        make_member(pseudonym="LandMember"),
        make_member(pseudonym="LandHost", mfa=True),
    )
    group = make_group(name="Landmarks")
    add_member(group, member)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    thread = make_thread(group, member, title="Two replies", body="First post.")
    make_reply(thread, moderator, body="A reply.")
    make_reply(thread, member, body="Another reply.")
    room = Conversation.objects.get(group=group)
    for number in range(3):
        make_message(conversation=room, sender=member, body=f"Room line {number}")
    thread_url = f"/groups/{group.slug}/threads/{thread.pk}/"

    reading = browser_session()
    reading.login(member)
    page = reading.page
    for url in ["/", thread_url, f"/rooms/{group.slug}/"]:
        page.goto(url)
        assert _landmark_violations(page) == [], url
    expect(page.locator("#chat-status")).to_have_text("Live")
    assert _landmark_violations(page) == [], "live room"

    hosting = browser_session()
    hosting.login(moderator)
    hosting.page.goto(thread_url)
    hosting.page.locator(".moderator-menu summary").first.click()
    expect(hosting.page.get_by_role("group", name="Moderator actions").first).to_be_visible()
    assert _landmark_violations(hosting.page) == [], "thread as moderator"
