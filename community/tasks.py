"""Community's timers, run by the scheduler process (docs/decisions/0070-timed-work.md).

Each acts on what is overdue at the moment it runs, never on the minute it was meant for, so
the first run after the scheduler was down catches up on everything it missed.
"""

from importlib import import_module

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from community.services.support_requests import escalate_support_requests

ESCALATE_SUPPORT_REQUESTS = "escalate_support_requests"
CLEAR_EXPIRED_SESSIONS = "clear_expired_sessions"


# Every minute: unanswered requests open to the pool, then reach staff, within a minute of
# their deadline. No lock needed: each step happens once per request even when two runs meet,
# since the service locks the rows it moves and checks them again.
@db_periodic_task(crontab(minute="*"), name=ESCALATE_SUPPORT_REQUESTS)
def escalate_support_requests_task():
    return escalate_support_requests()


# Daily: Django never deletes expired session rows by itself (its `clearsessions`), and each
# holds who was signed in; they open nothing, so once a day is enough.
@db_periodic_task(crontab(minute="17", hour="3"), name=CLEAR_EXPIRED_SESSIONS)
def clear_expired_sessions_task() -> None:
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
