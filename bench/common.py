"""Shared plumbing for the benchmarks: the two modes, members with real sessions, real server
processes sampled with psutil, and the JSON report every benchmark prints and keeps.

Modes (`--mode`):

- embedded (default): one daphne process, SQLite in `var/bench/`, the in-memory channel layer.
- production (`--procs N`, default 2): N daphne processes on PostgreSQL (database
  `kindred_bench`, created if missing and migrated) and Redis (database 15, flushed at the
  start), so benchmarks never touch the test runs' databases. KINDRED_ENV stays embedded
  (production demands secrets and HTTPS); only the database and the channel layer switch.

The servers get generous chat limits (KINDRED_CHAT_RATE_LIMIT, KINDRED_SOCKET_FRAME_BUDGET):
the benchmarks measure the real-time path, not the rate limiter.
"""

import argparse
import asyncio
import json
import os
import resource
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

try:  # only if it is installed already; the benchmarks do not depend on it
    import uvloop
except ImportError:
    uvloop = None

ROOT = Path(__file__).resolve().parent.parent
# Its own embedded-mode folder (SQLite file, keys, server logs), never the developer's var/.
DATA_DIR = Path(os.environ.get("KINDRED_BENCH_DATA_DIR", str(ROOT / "var" / "bench")))
RESULTS_DIR = ROOT / "bench" / "results"

BENCH_DATABASE = "kindred_bench"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
BENCH_DATABASE_URL = f"{POSTGRES_SERVER}/{BENCH_DATABASE}"
BENCH_REDIS_URL = "redis://127.0.0.1:6379/15"
GENEROUS_LIMIT = "100000/10"


# Modes and environment ------------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    name: str  # "embedded" or "production"
    procs: int

    @property
    def production(self) -> bool:
        return self.name == "production"

    def environment(self) -> dict[str, str]:
        """The variables the servers and this process run with (on top of os.environ)."""
        env = {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "KINDRED_ENV": "embedded",
            "KINDRED_DATA_DIR": str(DATA_DIR),
            "KINDRED_CHAT_RATE_LIMIT": GENEROUS_LIMIT,
            "KINDRED_SOCKET_FRAME_BUDGET": GENEROUS_LIMIT,
            "PYTHONUNBUFFERED": "1",
        }
        if self.production:
            env |= {"DATABASE_URL": BENCH_DATABASE_URL, "REDIS_URL": BENCH_REDIS_URL}
        return env

    def server_env(self) -> dict[str, str]:
        env = {**os.environ, **self.environment()}
        if not self.production:
            env.pop("DATABASE_URL", None)
            env.pop("REDIS_URL", None)
        return env


def add_mode_arguments(parser: argparse.ArgumentParser, *, procs: bool = True) -> None:
    parser.add_argument("--mode", choices=["embedded", "production"], default="embedded")
    if procs:
        parser.add_argument(
            "--procs",
            type=int,
            help="daphne processes (production mode only; default 2 there, 1 embedded)",
        )


def mode_from_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Mode:
    procs = getattr(args, "procs", None)
    if args.mode == "embedded":
        if procs not in (None, 1):
            parser.error("embedded mode runs one process (the in-memory layer is per process)")
        return Mode("embedded", 1)
    if procs is not None and procs < 1:
        parser.error("--procs must be at least 1")
    return Mode("production", procs or (2 if hasattr(args, "procs") else 1))


def raise_open_files_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def run_async(coroutine):
    """asyncio.run, on uvloop when it happens to be installed."""
    if uvloop is not None:
        return asyncio.run(coroutine, loop_factory=uvloop.new_event_loop)
    return asyncio.run(coroutine)


def event_loop_name() -> str:
    return "uvloop" if uvloop is not None else "asyncio"


def prepare(mode: Mode) -> None:
    """Environment, database and Django for this process: the same settings as the servers,
    so members and sessions made here are the ones the servers see."""
    os.environ.update(mode.environment())
    if not mode.production:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if mode.production:
        _create_bench_database()
        import redis

        redis.Redis.from_url(BENCH_REDIS_URL).flushdb()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_bench_database() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))


# Members ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    user_id: int
    cookie: str  # "sessionid=..." for the handshake


@dataclass(frozen=True)
class Room:
    conversation_id: int
    group_id: int
    members: list[Member]


def make_room(*, members: int, name: str) -> Room:
    """A fresh group with `members` active members, its live room, and one signed-in session
    per member. Rows are bulk-created and sessions written straight to the session store (the
    same data `login()` stores), so 1,000 members take a second, not a minute."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from community.models import Group, Membership, Profile, User
    from messaging.services.conversations import get_or_create_group_room

    token = secrets.token_hex(4)
    now = timezone.now()
    with transaction.atomic():
        group = Group.objects.create(name=f"{name} {token}")
        room = get_or_create_group_room(group=group)
        password = make_password(None)  # unusable: these accounts only ever have a session
        users = User.objects.bulk_create(
            [
                User(email=f"bench-{token}-{number}@example.org", password=password)
                for number in range(members)
            ],
            batch_size=500,
        )
        Profile.objects.bulk_create(
            [
                Profile(user=user, pseudonym=f"B{token}x{number}")
                for number, user in enumerate(users)
            ],
            batch_size=500,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    group=group,
                    user=user,
                    state=Membership.State.ACTIVE,
                    joined_at=now,
                    rules_accepted_at=now,
                )
                for user in users
            ],
            batch_size=500,
        )
        backend = settings.AUTHENTICATION_BACKENDS[0]
        session_keys = _store_sessions(
            [
                {
                    SESSION_KEY: str(user.pk),
                    BACKEND_SESSION_KEY: backend,
                    HASH_SESSION_KEY: user.get_session_auth_hash(),
                }
                for user in users
            ]
        )
    cookie_name = settings.SESSION_COOKIE_NAME
    return Room(
        conversation_id=room.pk,
        group_id=group.pk,
        members=[
            Member(user_id=user.pk, cookie=f"{cookie_name}={key}")
            for user, key in zip(users, session_keys, strict=True)
        ],
    )


def _store_sessions(sessions: list[dict]) -> list[str]:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store_class, DatabaseStore):
        keys = []
        for data in sessions:
            store = store_class()
            store.update(data)
            store.create()
            keys.append(store.session_key)
        return keys
    # Database-backed (db, cached_db): one bulk insert of what SessionStore.save() would write.
    model = store_class.get_model_class()
    encoder = store_class()
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    keys = [get_random_string(32, VALID_KEY_CHARS) for _ in sessions]
    model.objects.bulk_create(
        [
            model(session_key=key, session_data=encoder.encode(data), expire_date=expires)
            for key, data in zip(keys, sessions, strict=True)
        ],
        batch_size=500,
    )
    return keys


# Server processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A server subprocess on a fixed port that can be killed and started again on the same
    port. A thread samples its RSS and CPU time every 100 ms, so the peak RSS and the CPU time
    of a process that was SIGKILLed are still known."""

    def __init__(self, *, name: str, argv: list[str], env: dict, port: int, stop_signal=None):
        self.name = name
        self.argv = argv
        self.env = env
        self.port = port
        self.stop_signal = stop_signal or signal.SIGTERM
        self.process: subprocess.Popen | None = None
        self.peak_rss = 0
        self.starts = 0
        self.listening_at: float | None = None  # perf_counter when it last began to listen
        self._finished_cpu = 0.0  # CPU seconds of earlier (killed) runs
        self._last_cpu = 0.0
        self._psutil: psutil.Process | None = None
        self._lock = threading.Lock()
        self._stop_sampling = threading.Event()
        self._sampler: threading.Thread | None = None
        self.log_path = DATA_DIR / f"{name}-{port}.log"

    def start(self, timeout: float = 60) -> None:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "a")  # noqa: SIM115 - the child keeps it
        log.write(f"--- start {datetime.now(UTC).isoformat()}: {shlex.join(self.argv)}\n")
        log.flush()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.starts += 1
        self.listening_at = None
        with self._lock:
            self._psutil = psutil.Process(self.process.pid)
            self._last_cpu = 0.0
        if self._sampler is None:
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        self.wait_until_listening(timeout)

    def wait_until_listening(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.process.returncode}); see {self.log_path}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    self.listening_at = time.perf_counter()
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} not listening on {self.port} after {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine or the container dies."""
        self._retire(signal.SIGKILL, timeout=10)

    def stop(self) -> None:
        """A clean stop, once the server has finished handling the sockets that just closed
        (a SIGTERM in the middle of that can leave daphne waiting for ever on its database
        thread at exit; after 15 s it is killed)."""
        self.wait_until_idle()
        self._retire(self.stop_signal, timeout=15)
        self._stop_sampling.set()

    def wait_until_idle(self, *, longest: float = 10, step: float = 0.2) -> None:
        """Until the process uses at most 10 % of a core over `step` seconds."""
        deadline = time.monotonic() + longest
        used = self.cpu_seconds()
        while time.monotonic() < deadline and self.process and self.process.poll() is None:
            time.sleep(step)
            previous, used = used, self.cpu_seconds()
            if used - previous <= 0.1 * step:
                return

    def _retire(self, signal_number, *, timeout: float) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self._read()
        self.process.send_signal(signal_number)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            print(
                f"{self.name} on {self.port} outlived {signal_number!r} by {timeout} s: killed",
                file=sys.stderr,
            )
            self.process.kill()
            self.process.wait()
        with self._lock:
            self._finished_cpu += self._last_cpu
            self._last_cpu = 0.0
            self._psutil = None

    def _read(self) -> None:
        with self._lock:
            if self._psutil is None:
                return
            try:
                with self._psutil.oneshot():
                    rss = self._psutil.memory_info().rss
                    times = self._psutil.cpu_times()
            except psutil.Error:
                return
            self.peak_rss = max(self.peak_rss, rss)
            self._last_cpu = times.user + times.system

    def _sample(self) -> None:
        while not self._stop_sampling.wait(0.1):
            self._read()

    def rss(self) -> int:
        with self._lock:
            return self._psutil.memory_info().rss if self._psutil else 0

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of every run of this server so far."""
        self._read()
        with self._lock:
            return self._finished_cpu + self._last_cpu

    def stats(self) -> dict:
        return {
            "name": self.name,
            "port": self.port,
            "starts": self.starts,
            "cpu_s_total": round(self.cpu_seconds(), 2),
            "peak_rss_mb": round(self.peak_rss / 2**20, 1),
        }


def kindred_server(mode: Mode, *, port: int | None = None, profile_path: str | None = None):
    """A daphne serving Kindred (config.asgi) in `mode`. A listen backlog of 1,024 instead of
    Twisted's 50, so a reconnect storm is not measured against the kernel's SYN queue."""
    port = port or free_port()
    profiler = ["-m", "cProfile", "-o", profile_path] if profile_path else []
    return ServerProcess(
        name="daphne",
        argv=[
            sys.executable,
            *profiler,
            "-m",
            "daphne",
            "-e",
            f"tcp:port={port}:interface=127.0.0.1:backlog=1024",
            "config.asgi:application",
        ],
        env=mode.server_env(),
        port=port,
        # SIGINT lets daphne stop its reactor cleanly, so cProfile writes its file.
        stop_signal=signal.SIGINT if profile_path else signal.SIGTERM,
    )


def start_kindred_servers(mode: Mode, *, profile_path: str | None = None) -> list[ServerProcess]:
    servers = [
        kindred_server(mode, profile_path=profile_path if number == 0 else None)
        for number in range(mode.procs)
    ]
    start_all(servers)
    return servers


def start_all(servers: list[ServerProcess]) -> None:
    """Starts every server at once (they load Django in parallel) and waits for all."""
    threads = [threading.Thread(target=server.start) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for server in servers:
        if server.listening_at is None:
            raise RuntimeError(f"{server.name} did not start; see {server.log_path}")


def wait_until_idle(servers: list[ServerProcess]) -> None:
    for server in servers:
        server.wait_until_idle()


def stop_all(servers: list[ServerProcess]) -> None:
    for server in servers:
        server.stop()


def print_profile(profile_path: str) -> None:
    import pstats

    if not Path(profile_path).exists():
        print(f"no profile at {profile_path}: the server did not exit cleanly", file=sys.stderr)
        return

    stats = pstats.Stats(profile_path, stream=sys.stderr)
    print(f"\n--- server profile ({profile_path}), top by own time ---", file=sys.stderr)
    stats.sort_stats("tottime").print_stats(25)
    print("--- top by cumulative time ---", file=sys.stderr)
    stats.sort_stats("cumulative").print_stats(30)


# Measuring -------------------------------------------------------------------------------------


def percentiles(values, *, scale: float = 1000.0, digits: int = 1) -> dict:
    """p50/p90/p99/max/mean of `values` (seconds), in milliseconds by default."""
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    count = len(ordered)

    def at(fraction: float) -> float:
        return round(ordered[min(count - 1, int(fraction * count))] * scale, digits)

    return {
        "count": count,
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "max": round(ordered[-1] * scale, digits),
        "mean": round(sum(ordered) / count * scale, digits),
    }


class CpuWindow:
    """CPU seconds used by this process and by each server between start() and stop()."""

    def __init__(self, servers: list[ServerProcess]):
        self.servers = servers
        self.me = psutil.Process()

    def _own(self) -> float:
        times = self.me.cpu_times()
        return times.user + times.system

    def start(self) -> None:
        self.started = time.perf_counter()
        self.own_before = self._own()
        self.servers_before = [server.cpu_seconds() for server in self.servers]

    def stop(self) -> dict:
        wall = time.perf_counter() - self.started
        own = self._own() - self.own_before
        servers = [
            server.cpu_seconds() - before
            for server, before in zip(self.servers, self.servers_before, strict=True)
        ]
        return {
            "wall_s": round(wall, 2),
            "generator_cpu_s": round(own, 2),
            "generator_cpu_share_of_one_core": round(own / wall, 2) if wall else None,
            "server_cpu_s": [round(value, 2) for value in servers],
        }


class Run:
    """One benchmark run: what was run, where and on what, and its JSON report."""

    def __init__(self, name: str, mode: Mode):
        # Before Django, the database and the servers add any load of their own.
        self.load_average_before = [round(value, 2) for value in os.getloadavg()]
        self.name = name
        self.mode = mode
        self.started_at = datetime.now(UTC)

    def finish(self, results: dict) -> dict:
        own = psutil.Process().cpu_times()
        report = {
            "bench": self.name,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": shlex.join(sys.orig_argv),
            "git_commit": _git("rev-parse", "HEAD"),
            "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
            "load_average_before": self.load_average_before,
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
            "event_loop": event_loop_name(),
            "mode": self.mode.name,
            "processes": self.mode.procs,
            **results,
            "generator_cpu_s_whole_run": round(own.user + own.system, 2),
        }
        text = json.dumps(report, indent=2)
        print(text)
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = self.started_at.strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS_DIR / f"{self.name}-{self.mode.name}-{stamp}.json"
        path.write_text(text + "\n")
        print(f"report written to {path.relative_to(ROOT)}", file=sys.stderr)
        return report


def _git(*arguments: str) -> str | None:
    try:
        return subprocess.run(  # noqa: S603 - fixed arguments
            ["git", *arguments],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
