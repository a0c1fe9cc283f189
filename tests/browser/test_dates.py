"""Dates in the browser: the member's zone comes from the browser until they choose one, and a
live message's time is the same <time> the server renders, relative while it is recent."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from community.models import JournalEntry
from messaging.models import Message
from messaging.services.conversations import get_or_create_group_room
from tests.factories import make_member, make_message
from tests.messaging.conftest import make_group

pytestmark = pytest.mark.browser


def test_the_browsers_zone_is_used_until_the_member_chooses_one(browser_session, axe):
    member = make_member(pseudonym="TokyoFern")
    session = browser_session(timezone_id="Asia/Tokyo")
    session.login(member)
    page = session.page
    page.goto("/settings/")
    # time-zone.js told the server; from the next page on, dates read in the browser's zone.
    expect(page.locator("html")).to_have_attribute("data-time-zone", re.compile(".+"))
    assert {c["name"]: c["value"] for c in session.context.cookies()}["time_zone"] == "Asia/Tokyo"
    page.goto("/settings/profile/")
    expect(page.locator("html")).to_have_attribute("data-time-zone", "Asia/Tokyo")
    axe(page, "on the profile form with its time zone")

    page.get_by_label("Time zone").select_option("Europe/Madrid")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("html")).to_have_attribute("data-time-zone", "Europe/Madrid")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Madrid")


def test_a_live_message_gets_the_same_time_markup_in_the_members_zone(browser_session):
    alice = make_member(pseudonym="AliceRiver")
    bob = make_member(pseudonym="BobMaple")
    alice.profile.time_zone = "Asia/Tokyo"
    alice.profile.save(update_fields=["time_zone"])
    group = make_group(name="Night shift", members=[alice, bob])
    room = get_or_create_group_room(group=group)
    old = make_message(conversation=room, sender=bob, body="From last week")
    last_week = datetime.datetime(2026, 3, 4, 15, 30, tzinfo=datetime.UTC)
    Message.objects.filter(pk=old.pk).update(created_at=last_week)

    session = browser_session(timezone_id="America/New_York")  # the profile's zone wins
    session.login(alice)
    page = session.page
    page.goto(f"/rooms/{group.slug}/")
    expect(page.locator("#chat-status")).to_have_text("Live")
    old_time = page.locator(f"#message-{old.pk} .chat-meta time")
    # 15:30 UTC is 00:30 the next day in Tokyo; the page and its script agree.
    expect(old_time).to_have_text("5 Mar 2026, 00:30")
    expect(old_time).to_have_attribute("datetime", "2026-03-04T15:30:00Z")
    expect(old_time).to_have_attribute("title", re.compile(r"5 March 2026, 00:30"))

    page.get_by_label("Your message").fill("Hello now")
    page.get_by_label("Your message").press("Enter")
    new_time = page.locator("#chat-messages li.chat-message").last.locator(".chat-meta time")
    expect(new_time).to_have_text("just now")
    expect(new_time).to_have_attribute("data-when", "relative")
    expect(new_time).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    stored = Message.objects.order_by("-id").first()
    title = new_time.get_attribute("title")
    assert str(timezone.localtime(stored.created_at, datetime.UTC).year) in title


def test_the_entry_page_shows_the_owners_image_and_opens_it(browser_session, axe):
    member = make_member(pseudonym="PhotoWren")
    session = browser_session()
    session.login(member)
    session.unlock_journal()
    page = session.page
    page.goto("/journal/new/")
    page.get_by_label("Short title").fill("Whiteboard")
    page.get_by_label("Date it happened").fill("2026-03-14")
    page.get_by_label("What happened").fill("The whiteboard after the meeting")
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 90, 160)).save(picture, format="PNG")
    page.get_by_label("Evidence (optional)").set_input_files(
        files=[{"name": "board.png", "mimeType": "image/png", "buffer": picture.getvalue()}],
    )
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_role("img", name="board.png")).to_be_visible()
    natural_width = page.get_by_role("img", name="board.png").evaluate(
        "image => image.naturalWidth"
    )
    assert natural_width == 480
    axe(page, "on an entry with an image")
    assert JournalEntry.objects.filter(owner=member).count() == 1
    page.get_by_role("link", name="Open the full image: board.png").click()
    assert page.evaluate("document.images[0].naturalWidth") == 800
