"""A room's host sees, in Chromium, the member who appears offline, marked; a member does not
(issue 14; docs/decisions/0025-hosts-see-who-appears-offline.md)."""

import pytest
from playwright.sync_api import expect

from messaging.services.conversations import get_or_create_group_room
from tests.factories import make_member
from tests.messaging.conftest import make_group

pytestmark = pytest.mark.browser


def test_the_host_sees_who_appears_offline_marked_and_a_member_does_not(browser_session, axe):
    member = make_member(pseudonym="OpenMaple1")
    shy = make_member(pseudonym="ShyWillow2")
    shy.profile.appear_offline = True
    shy.profile.save(update_fields=["appear_offline"])
    host = make_member(pseudonym="HostCedar3", mfa=True)
    group = make_group(name="Night shift", members=[member, shy], moderators=[host])
    get_or_create_group_room(group=group)
    sessions = {user.profile.pseudonym: browser_session() for user in (member, shy, host)}
    for user in (member, shy, host):
        sessions[user.profile.pseudonym].login(user)
    pages = {name: session.page for name, session in sessions.items()}
    for name in ("ShyWillow2", "HostCedar3", "OpenMaple1"):
        pages[name].goto(f"/rooms/{group.slug}/")
        expect(pages[name].locator("#chat-status")).to_have_text("Live")

    host_list = pages["HostCedar3"].locator("#presence-list")
    expect(host_list).to_contain_text("OpenMaple1")
    shy_entry = host_list.locator("li", has_text="ShyWillow2")
    expect(shy_entry).to_contain_text("appearing offline")
    expect(pages["HostCedar3"].locator(".chat-presence")).to_contain_text("As a host you see")
    axe(pages["HostCedar3"], "on the live room, as its host")

    member_list = pages["OpenMaple1"].locator("#presence-list")
    expect(member_list).to_contain_text("HostCedar3")
    expect(member_list).not_to_contain_text("ShyWillow2")
    expect(member_list).not_to_contain_text("appearing offline")

    # When the member who appears offline leaves, the host's list drops them.
    pages["ShyWillow2"].goto("/")
    expect(host_list).not_to_contain_text("ShyWillow2")
