"""Perspectives in real Chromium: a member adds perspectives to three articles and earns the
Contributor badge; another member reads them, marks one helpful and reports one; a site
moderator hides it from the queue. axe on the article page at both widths."""

import re

import pytest
from playwright.sync_api import expect

from community.models import Article, Perspective
from community.services.perspectives import sync_sections
from tests.factories import make_member

pytestmark = pytest.mark.browser

BODY = "Why it matters.\n\n### Write it down soon\nDates and words.\n\n### Keep it safe\nCopies.\n"


def _article(number: int) -> Article:
    article = Article.objects.create(
        slug=f"browser-article-{number}", title=f"Browser article {number}", summary="s", body=BODY
    )
    sync_sections(article=article)
    return article


def _add(page, article, heading: str, text: str) -> None:
    page.goto(f"/resources/{article.slug}/")
    section = page.get_by_role("region", name=f"Members' perspectives on “{heading}”")
    section.get_by_text("Add your perspective").click()
    section.get_by_label("Your perspective").fill(text)
    section.get_by_role("button", name="Add my perspective").click()
    expect(page.locator(".messages")).to_contain_text("your perspective is added")


def test_perspectives_journey_badge_helpful_report_and_hide(browser_session, axe):
    articles = [_article(number) for number in range(3)]
    writer = make_member(pseudonym="LessonWriter")
    reader = make_member(pseudonym="CarefulReader")
    site_moderator = make_member(pseudonym="SiteHost", site_moderator=True, mfa=True)

    writing = browser_session()
    writing.login(writer)
    page = writing.page
    _add(page, articles[0], "Write it down soon", "Keep a notebook at home, not at work.")
    _add(page, articles[1], "What else to take into account", "Ask a friend to keep copies.")
    page.goto(f"/people/{writer.profile.public_id}/")
    expect(page.locator("main")).not_to_contain_text("Contributor")
    _add(page, articles[2], "Keep it safe", "Email yourself at a private address.")
    page.goto(f"/people/{writer.profile.public_id}/")
    expect(page.locator("main")).to_contain_text("Contributor")

    reading = browser_session()
    reading.login(reader)
    other = reading.page
    for width, height in ((1280, 800), (375, 812)):
        other.set_viewport_size({"width": width, "height": height})
        other.goto(f"/resources/{articles[0].slug}/")
        expect(other.locator("main")).to_contain_text("Keep a notebook at home")
        axe(other, f"on an article with perspectives at {width} px")
    other.set_viewport_size({"width": 1280, "height": 800})
    card = other.locator(".perspective").filter(has_text="Keep a notebook")
    expect(card).to_contain_text("Contributor")
    card.get_by_role("button", name=re.compile("Helpful")).click()
    expect(other.locator(".messages")).to_contain_text("Marked as helpful")
    card = other.locator(".perspective").filter(has_text="Keep a notebook")
    expect(card.get_by_role("button", name=re.compile("Helpful"))).to_have_attribute(
        "aria-pressed", "true"
    )
    card.get_by_role("link", name=re.compile("Report")).click()
    other.get_by_label("Spam", exact=True).check()
    other.get_by_role("button", name="Send report").click()
    expect(other.locator(".messages")).to_contain_text("Moderators will review it")

    hosting = browser_session()
    hosting.login(site_moderator)
    queue = hosting.page
    queue.goto("/moderation/")
    queue.get_by_role("link", name=re.compile("Keep a notebook")).click()
    expect(queue.locator("h1")).to_contain_text("Review")
    axe(queue, "on a perspective's review item")
    queue.get_by_label("Hide").check()
    queue.get_by_label("Reason (the author is told it)").fill("Off topic")
    queue.get_by_role("button", name="Save decision").click()
    expect(queue.locator(".messages")).to_contain_text("Decision saved")
    assert Perspective.objects.get(body__startswith="Keep a notebook").hidden_at is not None
    other.goto(f"/resources/{articles[0].slug}/")
    expect(other.locator("main")).not_to_contain_text("Keep a notebook at home")
    # Two articles left: the badge is gone.
    page.goto(f"/people/{writer.profile.public_id}/")
    expect(page.locator("main")).not_to_contain_text("Contributor")
