"""The scheduler process as `make run` and production start it (`manage.py run_huey`), on the
test database. A subprocess's clock cannot be moved, so the rows are made overdue instead:
that is also what a scheduler finds when it starts after being down."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import websockets
from channels.db import database_sync_to_async as db
from django.conf import settings
from django.db import connection
from django.utils import timezone

from community.models import Membership, SupportRequest
from messaging.models import Notification
from moderation.actions.sanction import sanction_member
from moderation.models import AuditLogEntry, Sanction
from tests.community.advocates_helpers import make_advocate
from tests.community.test_support_requests import send
from tests.factories import make_member
from tests.messaging.conftest import session_cookie_for
from tests.moderation.conftest import build_scene
from tests.servers import REDIS_URL, free_port, redis_reachable, start_daphne

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0


def start_scheduler(extra_env: dict | None = None) -> tuple[subprocess.Popen, Path]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "KINDRED_TEST_SERVER_DB": str(connection.settings_dict["NAME"]),
        "DJANGO_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    log_path = Path(settings.DATA_DIR) / f"scheduler-{os.getpid()}.log"
    log = open(log_path, "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", "run_huey"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, log_path


def stop_scheduler(process: subprocess.Popen) -> int:
    """Ctrl-C: the scheduler finishes the timer it is running and exits."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def wait_until(check, process, log_path, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"the scheduler did not do it; its log:\n{log_path.read_text()}")


def _overdue_ban(scene) -> Sanction:
    sanction = sanction_member(
        actor=scene.moderator,
        target=scene.author,
        kind="ban",
        reason="A week out",
        group=scene.group,
        ends_at=timezone.now() + timedelta(days=7),
    ).obj
    Sanction.objects.filter(pk=sanction.pk).update(ends_at=timezone.now() - timedelta(hours=5))
    return sanction


def _overdue_request() -> SupportRequest:
    support_request = send(make_member(), advocate=make_advocate())
    SupportRequest.objects.filter(pk=support_request.pk).update(
        routed_at=timezone.now()
        - settings.KINDRED_SUPPORT_ESCALATE_TO_POOL_AFTER
        - timedelta(hours=5)
    )
    return support_request


def test_a_starting_scheduler_process_catches_up_on_everything_that_ran_out_while_it_was_down():
    scene = build_scene()
    _overdue_ban(scene)
    support_request = _overdue_request()

    def caught_up() -> bool:
        membership = Membership.objects.get(user=scene.author, group=scene.group)
        support_request.refresh_from_db()
        return membership.state == Membership.State.ACTIVE and support_request.is_in_pool

    process, log_path = start_scheduler()
    try:
        wait_until(caught_up, process, log_path)
    finally:
        code = stop_scheduler(process)
    assert code == 0, log_path.read_text()
    assert AuditLogEntry.objects.filter(action="lift", target_user_id=scene.author.pk).count() == 1
    assert SupportRequest.objects.get(pk=support_request.pk).escalated_to_pool_at is not None
    assert "Consumer exiting." in log_path.read_text()


async def _connect(port: int, user):
    cookie = await db(session_cookie_for)(user)
    return await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/chat/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
    )


async def _until(connection, frame_type: str) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(connection.recv(), WAIT))
        if frame["type"] == frame_type:
            return frame


async def test_in_production_the_scheduler_process_reaches_sockets_that_daphne_serves():
    """Production mode: daphne and the scheduler are separate processes joined by Redis, so
    what a timer announces (here the pool's notification) reaches the open socket at once."""
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}; this test needs it")
    env = {"REDIS_URL": REDIS_URL}
    port = free_port()
    daphne = await asyncio.to_thread(start_daphne, port, env)
    scheduler = None
    try:
        counsellor = await db(make_advocate)()
        socket = await _connect(port, counsellor)
        await _until(socket, "hello")
        await db(_overdue_request)()
        scheduler, log_path = await asyncio.to_thread(start_scheduler, env)
        frame = await _until(socket, "notification")
        # Discreet by default: the live notice says only that something happened.
        assert frame["notification"]["text"] == "New activity"
        stored = await db(Notification.objects.get)(recipient=counsellor)
        assert stored.text == "A request is waiting in the pool for your specialty."
        await socket.close()
    finally:
        if scheduler is not None:
            assert await asyncio.to_thread(stop_scheduler, scheduler) == 0, log_path.read_text()
        daphne.terminate()
        await asyncio.to_thread(daphne.wait, 10)
