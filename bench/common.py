"""Shared plumbing for the benchmarks: a private embedded-mode data folder, members with real
sessions, and a real daphne process whose memory we sample with psutil."""

import os
import resource
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Its own embedded-mode folder (SQLite file, keys), never the developer's var/.
DATA_DIR = Path(os.environ.get("KINDRED_BENCH_DATA_DIR", str(ROOT / "var" / "bench")))


def raise_open_files_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def server_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "KINDRED_DATA_DIR": str(DATA_DIR),
        "PYTHONUNBUFFERED": "1",
    }


def setup_django() -> None:
    os.environ.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings", "KINDRED_DATA_DIR": str(DATA_DIR)}
    )
    sys.path.insert(0, str(ROOT))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_room(*, members: int, name: str):
    """A fresh group with `members` active members and its room; returns (room id, cookies)."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from community.models import Group, Membership, Profile, User
    from messaging.services.conversations import get_or_create_group_room

    stamp = f"{int(time.time())}"
    group = Group.objects.create(name=f"{name} {stamp}")
    room = get_or_create_group_room(group=group)
    cookies = []
    now = timezone.now()
    for number in range(members):
        user = User.objects.create_user(email=f"bench-{stamp}-{number}@example.org")
        Profile.objects.create(user=user, pseudonym=f"B{stamp[-6:]}x{number}")
        Membership.objects.create(
            group=group,
            user=user,
            state=Membership.State.ACTIVE,
            joined_at=now,
            rules_accepted_at=now,
        )
        client = Client()
        client.force_login(user)
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return room.pk, cookies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A daphne process on a free port, with its peak RSS sampled every 100 ms."""

    def __init__(self, profile_path: str | None = None):
        self.port = free_port()
        self.profile_path = profile_path
        self.log = open(DATA_DIR / f"daphne-bench-{self.port}.log", "w")  # noqa: SIM115
        profiler = ["-m", "cProfile", "-o", profile_path] if profile_path else []
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                *profiler,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=server_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.peak_rss = 0
        self._stop = threading.Event()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        import psutil

        self.psutil_process = psutil.Process(self.process.pid)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def rss(self) -> int:
        return self.psutil_process.memory_info().rss

    def cpu_seconds(self) -> float:
        times = self.psutil_process.cpu_times()
        return times.user + times.system

    def _sample(self):
        while not self._stop.is_set():
            try:
                self.peak_rss = max(self.peak_rss, self.rss())
            except Exception:
                return
            time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/chat/"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        import signal

        self._stop.set()
        # SIGINT lets daphne stop its reactor cleanly, so cProfile writes its file.
        self.process.send_signal(signal.SIGINT if self.profile_path else signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        if self.profile_path:
            import pstats

            stats = pstats.Stats(self.profile_path)
            print(f"\n--- server profile ({self.profile_path}), top by own time ---")
            stats.sort_stats("tottime").print_stats(25)
            print("--- top by cumulative time ---")
            stats.sort_stats("cumulative").print_stats(30)
