"""Timed sanctions end by themselves: the real scheduler decides the timer is due and runs it,
with the clock moved (time-machine), never before the sanction's end time."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from community.models import Membership
from moderation.actions.sanction import sanction_member
from moderation.models import AuditLogEntry, Sanction
from moderation.tasks import LIFT_EXPIRED_SANCTIONS
from tests.factories import PASSWORD
from tests.scheduler import run_due_timers

pytestmark = pytest.mark.django_db(transaction=True)


def _membership_state(scene) -> str:
    return Membership.objects.get(user=scene.author, group=scene.group).state


def test_the_scheduler_ends_a_timed_ban_once_its_time_has_come_and_not_before(scene):
    ends_at = timezone.now() + timedelta(days=7)
    sanction = sanction_member(
        actor=scene.moderator,
        target=scene.author,
        kind="ban",
        reason="A week out",
        group=scene.group,
        ends_at=ends_at,
    ).obj

    with time_machine.travel(ends_at - timedelta(minutes=1), tick=False):
        assert LIFT_EXPIRED_SANCTIONS in run_due_timers()
    assert _membership_state(scene) == Membership.State.BANNED
    assert not AuditLogEntry.objects.filter(action="lift").exists()

    lifted_at = ends_at + timedelta(seconds=30)
    with time_machine.travel(lifted_at, tick=False):
        assert LIFT_EXPIRED_SANCTIONS in run_due_timers()
    assert _membership_state(scene) == Membership.State.ACTIVE
    sanction.refresh_from_db()
    assert sanction.lifted_at == lifted_at
    lift = AuditLogEntry.objects.get(action="lift")
    assert lift.actor_id is None
    assert (lift.target_user_id, lift.group_id) == (scene.author.pk, scene.group.pk)
    assert lift.reason == "Ended: its time ran out."

    # The next minute's run finds nothing left to do.
    with time_machine.travel(lifted_at + timedelta(minutes=1), tick=False):
        assert LIFT_EXPIRED_SANCTIONS in run_due_timers()
    assert AuditLogEntry.objects.filter(action="lift").count() == 1


def test_a_suspension_that_ran_out_while_the_scheduler_was_down_ends_at_its_first_run(scene):
    ends_at = timezone.now() + timedelta(days=1)
    sanction_member(
        actor=scene.site_moderator,
        target=scene.author,
        kind="suspend",
        reason="Repeated threats",
        ends_at=ends_at,
    )
    assert not Client().login(email=scene.author.email, password=PASSWORD)

    # Nothing ran for three days; the first run after that ends the suspension anyway.
    with time_machine.travel(ends_at + timedelta(days=3), tick=False):
        assert LIFT_EXPIRED_SANCTIONS in run_due_timers()
        assert Client().login(email=scene.author.email, password=PASSWORD)
    assert Sanction.objects.get(kind="suspend").lifted_at == ends_at + timedelta(days=3)
    assert AuditLogEntry.objects.filter(action="lift", target_user_id=scene.author.pk).count() == 1


def test_the_command_runs_the_same_timer_under_the_schedulers_lock(scene):
    sanction = sanction_member(
        actor=scene.moderator,
        target=scene.author,
        kind="ban",
        reason="A week out",
        group=scene.group,
        ends_at=timezone.now() + timedelta(days=7),
    ).obj
    Sanction.objects.filter(pk=sanction.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    with HUEY.lock_task(LIFT_EXPIRED_SANCTIONS):  # the scheduler is running it right now
        with pytest.raises(CommandError, match="right now"):
            call_command("lift_expired_sanctions")
        assert _membership_state(scene) == Membership.State.BANNED
    call_command("lift_expired_sanctions")
    assert _membership_state(scene) == Membership.State.ACTIVE
    assert AuditLogEntry.objects.filter(action="lift").count() == 1
