"""Every page, as each kind of person sees it, at a desktop and a phone width (issue 13):
no horizontal scroll, a phone header of at most 64 px, axe with no moderate, serious or
critical violation, and a screenshot of each in var/screenshots/ (git-ignored) for review.

The pages are found, not listed: the demo data (`seed_demo`, the same as `make run`) is
loaded, and each person's pages are crawled from the home page through the links they see,
one page per URL shape (one thread stands for all threads), so a new page is checked the
day it is linked."""

import re
import threading
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from community.models import User

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 800), "phone": (375, 812)}
IMPACTS = {"moderate", "serious", "critical"}
DEMO_PASSWORD = "kindred-demo-2026"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
MAX_PAGES = 80
# Links that act, leave, download or repeat a page under another query.
SKIP = re.compile(
    r"^/(accounts/logout|i18n)/|/export|/download|\.csv|\.pdf|/evidence/|/avatar|/static/"
)

PEOPLE = {
    "visitor": None,
    "member": "river@example.com",
    "moderator": "moderator@example.com",
    "advocate": "advocate.counselling@example.com",
    "staff": "staff@example.com",
}
START = {"visitor": ["/", "/accounts/signup/", "/accounts/password/reset/", "/no-such-page/"]}


def _shape(path: str) -> str:
    # One page per URL shape: ids, slugs and public ids of the same route look alike.
    parts = [re.sub(r"[0-9]", "0", part) for part in path.split("/")]
    return "/".join("<id>" if re.search(r"0|[A-Za-z0-9_-]{10,}", part) else part for part in parts)


def _links(page, base_url: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
    found = []
    for href in hrefs:
        url = urlsplit(urljoin(page.url, href))
        if f"{url.scheme}://{url.netloc}" != base_url or SKIP.search(url.path):
            continue
        found.append(url.path + (f"?{url.query}" if url.query else ""))
    return found


def _violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}) {[n['target'] for n in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation.get("impact") in IMPACTS
    ]


def _check_both_widths(page, path: str, person: str) -> list[str]:
    problems = []
    name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"{path} [{width}]: scrolls sideways by {overflow}px")
        if width == "phone":
            header = page.evaluate(
                "document.querySelector('.site-header').getBoundingClientRect().height"
            )
            if header > 64:
                problems.append(f"{path} [phone]: header is {header:.0f}px high")
        problems += [f"{path} [{width}]: axe {v}" for v in _violations(page)]
        folder = SCREENSHOTS / person
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}-{width}.png"))
    return problems


def _seed_demo():
    # Playwright's sync API keeps an event loop in this thread, and seeding announces what
    # it creates through async_to_sync: it runs in a thread of its own.
    errors = []

    def seed():
        try:
            call_command("seed_demo", verbosity=0)
        except Exception as error:  # re-raised in the test's thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=seed)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _unlock_journal(page):
    page.goto("/accounts/reauthenticate/?next=/journal/")
    if page.get_by_label("Password").count():
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.wait_for_load_state()


@pytest.mark.parametrize("person", list(PEOPLE))
def test_every_page_at_both_widths(browser_session, live_server_url, person):
    _seed_demo()
    session = browser_session()
    page = session.page
    if PEOPLE[person]:
        session.login(User.objects.get(email=PEOPLE[person]))
        if person == "member":
            _unlock_journal(page)
    queue = deque(START.get(person, ["/"]))
    seen_shapes, visited, problems = set(), [], []
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        if _shape(path) in seen_shapes:
            continue
        seen_shapes.add(_shape(path))
        head = page.request.head(path, max_redirects=0)
        if (
            head.status in (301, 302)
            or head.status == 404
            and path != "/no-such-page/"
            or "text/html" not in head.headers.get("content-type", "")
        ):
            continue
        page.set_viewport_size({"width": 1280, "height": 800})
        known_problems = len(session.problems)
        page.goto(path)
        if path == "/no-such-page/":  # the browser logs the 404 status it was asked to fetch
            del session.problems[known_problems:]
        visited.append(path)
        problems += _check_both_widths(page, path, person)
        queue.extend(
            link for link in _links(page, live_server_url) if _shape(link) not in seen_shapes
        )
    assert len(visited) >= (4 if person == "visitor" else 12), visited
    assert not problems, "\n".join(problems)


def test_the_phone_menu_works_by_keyboard(browser_session, axe):
    _seed_demo()
    session = browser_session()
    session.login(User.objects.get(email=PEOPLE["member"]))
    page = session.page
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/groups/")
    menu = page.get_by_role("button", name="Menu")
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not links.first.is_visible()
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    groups = page.get_by_role("navigation", name="Main").get_by_role("link", name="Groups")
    assert groups.is_visible() and groups.get_attribute("aria-current") == "page"
    axe(page, "with the phone menu open")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Home"
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.id") == "menu-button"
    # Tabbing past the last item folds the menu again.
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Tab")
    assert menu.get_attribute("aria-expanded") == "false"
    # At a desktop width there is no menu button: the list is the navigation.
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not menu.is_visible() and links.first.is_visible()
