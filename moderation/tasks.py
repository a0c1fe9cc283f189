"""Moderation's timers, run by the scheduler process (docs/decisions/0070-timed-work.md)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from moderation.actions.lift import lift_expired_sanctions

LIFT_EXPIRED_SANCTIONS = "lift_expired_sanctions"


# Every minute: a timed ban or suspension ends within a minute of its end time, and the first
# run after the scheduler was down ends every one that ran out meanwhile (it acts on
# "ends_at <= now", not on the minute). The lock keeps two runs (the scheduler's and
# `manage.py lift_expired_sanctions`) from lifting the same sanction twice.
@db_periodic_task(crontab(minute="*"), name=LIFT_EXPIRED_SANCTIONS)
@lock_task(LIFT_EXPIRED_SANCTIONS)
def lift_expired_sanctions_task() -> int:
    return lift_expired_sanctions()
