"""One live daphne server and one Chromium per worker, shared by every browser test.

The server is a real daphne process on a free port, using the test database this worker
created, so what a test writes (with `transactional_db`) the server reads, and the other way.
"""

import os
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from playwright.sync_api import sync_playwright

from tests.factories import PASSWORD
from tests.servers import daphne_log_path, free_port, start_daphne, stop_daphne

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Issue 13: the suite passes axe with no moderate violation either (only "minor" is let be).
BLOCKING_IMPACTS = {"moderate", "serious", "critical"}


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker, matching_escrow):
    port = free_port()
    process = start_daphne(port)
    yield f"http://127.0.0.1:{port}"
    stop_daphne(process)


def _wait_for_database_writers(port: int, wait: float = 60.0) -> None:
    """Waits until the test's connection can take SQLite's write lock, so that the flush
    `transactional_db` runs next does not race the live server's last writes (a closed tab's
    read marker and presence, written as its socket closes). The test's own connection is
    closed first: a read snapshot it kept open would make SQLite refuse the lock at once.
    PostgreSQL needs none of this: its flush waits on row locks like any other statement."""
    if connection.vendor == "postgresql":
        _wait_for_postgres_writers(port, wait)
        return
    if connection.vendor != "sqlite":
        return
    connection.close()
    deadline = time.monotonic() + wait
    while True:
        try:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("ROLLBACK")
            return
        except OperationalError as error:
            connection.close()
            if time.monotonic() >= deadline:
                log = daphne_log_path(port).read_text()[-4000:]
                raise AssertionError(
                    f"the database stayed locked for {wait:.0f}s after the test ({error});"
                    f" the live server's log ends:\n{log}"
                ) from error
            time.sleep(0.2)


@pytest.fixture(scope="session")
def chromium():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
    # test body are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class BrowserSession:
    """A fresh browser context (its own cookies) on the live server."""

    def __init__(self, chromium, base_url, **context_options):
        self.base_url = base_url
        # context_options: Playwright's new_context options, e.g. timezone_id="Asia/Tokyo".
        self.context = chromium.new_context(base_url=base_url, **context_options)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _on_console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def login(self, user) -> None:
        """Signs `user` in by giving this browser a real session cookie for them."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": self.base_url}]
        )

    def unlock_journal(self, page=None) -> None:
        """Proves the password on allauth's re-authentication page, as the journal asks once
        in every new session (community/journal_lock.py)."""
        page = page or self.page
        page.goto("/accounts/reauthenticate/")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.wait_for_url(lambda url: "/accounts/reauthenticate/" not in url)

    def new_page(self):
        page = self.context.new_page()
        page.on("console", self._on_console)
        return page

    def close(self):
        self.context.close()


def _wait_for_postgres_writers(port: int, wait: float) -> None:
    """On PostgreSQL the flush's TRUNCATE could deadlock with the live server's last
    transaction (a closed tab's read marker, SELECT ... FOR UPDATE): wait until no other
    connection to the test database is running a statement or holding a transaction open,
    twice in a row 0.2 s apart."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
    )
    deadline, quiet = time.monotonic() + wait, 0
    while quiet < 2:
        with connection.cursor() as cursor:
            cursor.execute(query)
            busy = cursor.fetchone()[0]
        quiet = quiet + 1 if busy == 0 else 0
        if time.monotonic() >= deadline:
            log = daphne_log_path(port).read_text()[-4000:]
            raise AssertionError(
                f"the live server kept the database busy for {wait:.0f}s after the test;"
                f" its log ends:\n{log}"
            )
        time.sleep(0.2)


@pytest.fixture
def browser_session(chromium, live_server_url, transactional_db):
    sessions = []

    def open_session(**context_options):
        session = BrowserSession(chromium, live_server_url, **context_options)
        sessions.append(session)
        return session

    yield open_session
    problems = [problem for session in sessions for problem in session.problems]
    for session in sessions:
        session.close()
    _wait_for_database_writers(int(live_server_url.rsplit(":", 1)[1]))
    # CSP violations and script errors show up as console errors: they fail the test.
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(browser_session):
    return browser_session().page


def assert_accessible(page, context: str = "") -> None:
    """Fails on any moderate, serious or critical axe violation on the page as it is now."""
    results = Axe().run(page)
    violations = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING_IMPACTS
    ]
    if violations:
        lines = [f"axe found {len(violations)} moderate/serious/critical violation(s) {context}:"]
        for violation in violations:
            targets = [node["target"] for node in violation["nodes"]][:5]
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']} {targets}"
            )
        raise AssertionError("\n".join(lines))


@pytest.fixture
def axe():
    return assert_accessible


class SentMail:
    """Mail the live server sent: tests/settings.py makes it write files into `folder`."""

    SEPARATOR = "-" * 79

    def __init__(self, folder: Path):
        self.folder = folder

    def clear(self) -> None:
        if self.folder.exists():
            for path in self.folder.iterdir():
                path.unlink()

    def messages(self):
        import email
        from email import policy

        if not self.folder.exists():
            return []
        found = []
        for path in sorted(self.folder.iterdir(), key=lambda item: item.stat().st_mtime_ns):
            for chunk in path.read_text().split(self.SEPARATOR):
                if chunk.strip():
                    found.append(email.message_from_string(chunk.strip(), policy=policy.default))
        return found

    def wait_for(self, to: str, timeout: float = 10.0):
        """The newest message to `to`, waiting for the server to write it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matching = [message for message in self.messages() if to in message["To"]]
            if matching:
                return matching[-1]
            time.sleep(0.1)
        raise AssertionError(f"no mail to {to} within {timeout}s")


@pytest.fixture
def sent_mail(live_server_url):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    mail = SentMail(Path(settings.DATA_DIR) / f"test-mail-{worker}")
    mail.clear()
    return mail
