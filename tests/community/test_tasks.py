"""Community's timers run by themselves: the real scheduler decides what is due at the moved
clock (time-machine) and runs it; nothing happens before its time."""

from datetime import UTC, datetime, timedelta
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session

from community.models import SupportRequest
from community.tasks import CLEAR_EXPIRED_SESSIONS, ESCALATE_SUPPORT_REQUESTS
from messaging.models import Notification
from tests.community.advocates_helpers import make_advocate
from tests.community.test_support_requests import send
from tests.factories import make_member
from tests.scheduler import run_due_timers

pytestmark = pytest.mark.django_db(transaction=True)

MINUTE = timedelta(minutes=1)


def test_the_scheduler_escalates_an_unanswered_request_to_the_pool_then_to_staff():
    member, advocate, counsellor = make_member(), make_advocate(), make_advocate()
    staff = make_member(staff=True, mfa=True)
    support_request = send(member, advocate=advocate)
    pool_deadline = support_request.routed_at + settings.KINDRED_SUPPORT_ESCALATE_TO_POOL_AFTER

    with time_machine.travel(pool_deadline - MINUTE, tick=False):
        assert ESCALATE_SUPPORT_REQUESTS in run_due_timers()
    support_request.refresh_from_db()
    assert support_request.advocate_id == advocate.pk
    assert not Notification.objects.filter(kind="support.pool").exists()

    moved_at = pool_deadline + MINUTE
    with time_machine.travel(moved_at, tick=False):
        assert ESCALATE_SUPPORT_REQUESTS in run_due_timers()
    support_request.refresh_from_db()
    assert support_request.advocate_id is None
    assert support_request.escalated_to_pool_at == moved_at
    assert Notification.objects.filter(recipient=counsellor, kind="support.pool").count() == 1

    staff_deadline = moved_at + settings.KINDRED_SUPPORT_ESCALATE_TO_STAFF_AFTER
    with time_machine.travel(staff_deadline - MINUTE, tick=False):
        assert ESCALATE_SUPPORT_REQUESTS in run_due_timers()
    assert SupportRequest.objects.get().flagged_for_staff_at is None

    with time_machine.travel(staff_deadline + MINUTE, tick=False):
        assert ESCALATE_SUPPORT_REQUESTS in run_due_timers()
    assert SupportRequest.objects.get().flagged_for_staff_at == staff_deadline + MINUTE
    assert Notification.objects.filter(recipient=staff, kind="support.flagged").count() == 1
    assert list(support_request.events.values_list("kind", flat=True)) == [
        "created",
        "escalated_to_pool",
        "flagged_for_staff",
    ]
    # Later runs moved nothing twice.
    assert Notification.objects.filter(recipient=counsellor, kind="support.pool").count() == 1


def _session(expire_date) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["note"] = "kept until it expires"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=expire_date)
    return store.session_key


def test_expired_sessions_are_deleted_once_a_day_and_live_ones_kept():
    cleanup = datetime(2031, 5, 6, 3, 17, tzinfo=UTC)
    expired = _session(cleanup - timedelta(days=2))
    live = _session(cleanup + timedelta(days=1))

    with time_machine.travel(cleanup - MINUTE, tick=False):
        assert CLEAR_EXPIRED_SESSIONS not in run_due_timers()
    assert Session.objects.filter(session_key=expired).exists()

    with time_machine.travel(cleanup, tick=False):
        assert CLEAR_EXPIRED_SESSIONS in run_due_timers()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
