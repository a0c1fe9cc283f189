"""In real Chromium: a member finds their due journal reminder on the dashboard and reports a
post from its thread; the group's moderator follows the group page's link to the queue and
finds it there. Every page passes axe."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.models import JournalReminder, Membership
from moderation.models import Flag
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.browser


def test_dashboard_reminder_report_link_and_moderator_queue_link(browser_session, axe):
    group = make_group(name="Platform team")
    reader = make_member(pseudonym="SteadyHeron4")
    writer = make_member(pseudonym="LoudBadger7")
    moderator = make_member(pseudonym="CalmModerator", mfa=True)
    add_member(group, reader)
    add_member(group, writer)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    thread = make_thread(group, reader, title="Retro feedback")
    reply = make_reply(thread, writer, body="Nobody asked you.")
    JournalReminder.objects.create(
        owner=reader,
        due_on=timezone.localdate() - datetime.timedelta(days=1),
        note="Send the grievance form",
    )

    session = browser_session()
    session.login(reader)
    page = session.page
    page.goto("/")
    reminders = page.get_by_role("region", name="Journal reminders due")
    expect(reminders.locator(".due-reminder")).to_have_count(1)
    expect(reminders).not_to_contain_text("Send the grievance form")
    axe(page, "on the dashboard with a due reminder")
    reminders.get_by_role("link", name="Open your journal reminders").click()
    # The journal asks for the password once in every new session.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(re.compile(r"/journal/reminders/$"))
    expect(page.locator("main")).to_contain_text("Send the grievance form")

    page.goto(f"/groups/{group.slug}/threads/{thread.pk}/")
    # Their own thread has no Report link; the reply does.
    expect(page.locator(f"#post-{thread.pk} .flag-link")).to_have_count(0)
    axe(page, "on a thread with Report links")
    page.locator(f"#post-{reply.pk}").get_by_role("link", name="Report").click()
    page.get_by_label("Harassment").check()
    page.get_by_role("button", name="Send report").click()
    expect(page).to_have_url(re.compile(rf"/threads/{thread.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Moderators will review it")
    assert Flag.objects.get().flagger_id == reader.pk

    moderator_session = browser_session()
    moderator_session.login(moderator)
    page = moderator_session.page
    page.goto(f"/groups/{group.slug}/")
    page.get_by_role("link", name="Moderation queue").click()
    expect(page.locator(".queue-table")).to_contain_text("Nobody asked you.")
    axe(page, "on the moderation queue reached from the group page")
