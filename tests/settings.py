"""Test settings: the real settings, with per-worker isolation and speed-ups only.

Nothing here changes behaviour under test; it keeps parallel workers (pytest-xdist) and the
browser tests' live server from sharing a cache, a channel layer or a database by accident.
"""

import os
import re
from urllib.parse import urlsplit, urlunsplit

from config.settings import *  # noqa: F403
from config.settings import CACHES, CHANNEL_LAYERS, DATA_DIR, DATABASES, HUEY, REDIS_URL
from config.settings import STORAGES as PRODUCTION_STORAGES  # noqa: F401 - for test_static_files

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
WORKER_NUMBER = int(re.sub(r"\D", "", WORKER) or 0)

# Fast hashing: password strength is not what these tests measure.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so the live server process of the browser tests sees the same rows.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

# The live server (tests/browser/conftest.py) is told the already-created test database.
if os.environ.get("KINDRED_TEST_SERVER_DB"):
    DATABASES["default"]["NAME"] = os.environ["KINDRED_TEST_SERVER_DB"]
    # The live server is another process, so mail.outbox cannot reach the test: it writes
    # each message to a file the browser tests read (the `sent_mail` fixture).
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / f"test-mail-{WORKER}")},
        }
    }

if REDIS_URL:
    # One Redis database per worker (1, 2, ...) so cache.clear() and channel groups never
    # reach another worker's; the live server inherits its worker's database.
    worker_redis_url = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{WORKER_NUMBER + 1}"))
    CACHES["default"]["LOCATION"] = worker_redis_url
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [worker_redis_url]
    # Pub/sub channel names ignore the database number: a per-worker prefix keeps one
    # worker's conversation.<id> events away from another worker's sockets.
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"kindred-test-{WORKER}"
    KINDRED_LIVE_STORE = {"url": worker_redis_url, "prefix": f"kindred-live-test-{WORKER}"}
    HUEY["connection"] = {"url": worker_redis_url}
else:
    HUEY["connection"] = {"filename": str(DATA_DIR / f"test-tasks-{WORKER}.sqlite3")}
# The scheduler's queue and locks, per worker; a scheduler process a test starts inherits them.
HUEY["name"] = f"kindred-test-{WORKER}"

# The matching escrow: the one the `matching_escrow` fixture starts (tests/conftest.py), whose
# address it puts in the environment the live server inherits; without it, an address nothing
# listens on (never a developer's own escrow from `make run`).
ESCROW_URL = os.environ.get("KINDRED_TEST_ESCROW_URL", "http://127.0.0.1:9")

# Static files straight from the source folders: no collectstatic needed to run tests
# (tests/test_static_files.py collects them with PRODUCTION_STORAGES).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = DATA_DIR / f"test-media-{WORKER}"

# Calls (issue 15): a relay configured, so pages offer calls and the crawls reach the call
# screens; nothing listens there unless a test starts coturn (tests/servers.py).
TURN_URLS = TURN_URLS or ["turn:127.0.0.1:3478?transport=udp"]  # noqa: F405
TURN_SECRET = TURN_SECRET or "test-turn-secret"  # noqa: F405
