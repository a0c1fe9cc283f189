"""The lists of issue 13 ("Lists that scan") in a real browser: the group's threads, the
inbox, the groups and advocates directories each pass an axe audit with their new facts, and
a thread's "new" marker goes once it is opened."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.models import SupportRequest
from community.services.posts import create_reply
from messaging.services.conversations import get_or_create_group_room
from tests.community.advocates_helpers import make_advocate, specialty
from tests.community.groups_helpers import add_member, make_group, make_thread
from tests.factories import make_member, make_message
from tests.messaging.conftest import make_direct_between

pytestmark = pytest.mark.browser


def test_lists_show_what_they_hold_and_pass_axe(browser_session, axe):
    member = make_member(pseudonym="ListWalker")
    friend = make_member(pseudonym="Heron")
    group = make_group(name="Night shift", tags=("rota",))
    group.description = "A **peer** group for people on nights."
    group.save(update_fields=["description"])
    add_member(group, member)
    add_member(group, friend)
    thread = make_thread(group, friend, title="Rota changes", body="The *new* rota is out.")
    create_reply(author=friend, thread=thread, body="And the roster.")
    direct = make_direct_between(member, friend)
    make_message(conversation=direct, sender=friend, body="Are you free at six?")
    make_message(conversation=get_or_create_group_room(group=group), sender=friend, body="Hi all")
    advocate = make_advocate(pseudonym="Kestrel", bio="Employment **lawyer**.")
    accepted_at = timezone.now() - timedelta(days=1)
    SupportRequest.objects.create(
        member=make_member(),
        advocate=advocate,
        accepted_by=advocate,
        specialty=specialty("counselling"),
        summary="x",
        language="en",
        status=SupportRequest.Status.RESOLVED,
        routed_at=accepted_at - timedelta(hours=2),
        accepted_at=accepted_at,
    )
    session = browser_session()
    session.login(member)
    page = session.page

    page.goto(f"/groups/{group.slug}/")
    card = page.locator(".thread-summary", has_text="Rota changes")
    expect(card).to_contain_text("The new rota is out.")
    expect(card).to_contain_text("1 reply")
    expect(card.locator("[data-unread-thread]")).to_have_text("New")
    axe(page, "on a group's thread list")
    card.get_by_role("link", name="Rota changes").click()
    page.go_back()
    page.reload()
    expect(page.locator(".thread-summary [data-unread-thread]")).to_have_count(0)

    page.goto("/messages/")
    item = page.locator(f"[data-conversation-id='{direct.pk}']")
    expect(item).to_contain_text("Heron")
    expect(item).to_contain_text("Are you free at six?")
    expect(item.locator("[data-unread]")).to_have_text("1 unread")
    axe(page, "on the inbox with excerpts")

    page.goto("/groups/")
    expect(page.locator(".group-card", has_text="Night shift")).to_contain_text(
        "A peer group for people on nights."
    )
    axe(page, "on the group directory with badges")

    page.goto("/advocates/")
    page.get_by_label("Sort by").select_option("fastest")
    page.get_by_role("button", name="Show advocates").click()
    expect(page.locator(".advocate-card", has_text="Kestrel")).to_contain_text(
        "Typical first response: 2 hours"
    )
    axe(page, "on the advocate directory sorted by response")
