"""Real daphne processes for the tests that need one (the browser tests' live server, two
processes on one Redis, a restart, a crash, the transports) and a client of their chat socket.

Each process serves this worker's test database (tests/settings.py reads
KINDRED_TEST_SERVER_DB), so what a test writes with `transactional_db` the server reads.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import websockets
from django.conf import settings
from django.db import connection as database_connection

from messaging.turn import local_turnserver_command

ROOT = Path(__file__).resolve().parents[1]
# The Redis the multi-process tests join their servers through (they skip without one).
REDIS_URL = os.environ.get("KINDRED_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_reachable() -> bool:
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited early with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"daphne did not listen on port {port} within {timeout}s")


def daphne_log_path(port: int) -> Path:
    """Where start_daphne writes the server's output (stdout and stderr)."""
    return Path(settings.DATA_DIR) / f"daphne-{port}.log"


def _endpoint_quoted(path: Path) -> str:
    # Twisted endpoint strings separate arguments with ":" and escape with a backslash.
    return str(path).replace("\\", "\\\\").replace(":", "\\:")


def start_daphne(
    port: int, extra_env: dict | None = None, *, tls: tuple[Path, Path] | None = None
) -> subprocess.Popen:
    """A daphne process on 127.0.0.1:`port` serving the test database. With `tls`
    (private key file, certificate file), daphne itself serves TLS on that port (wss://)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "KINDRED_TEST_SERVER_DB": str(database_connection.settings_dict["NAME"]),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    if tls is None:
        listen = ["-b", "127.0.0.1", "-p", str(port)]
    else:
        key, certificate = (_endpoint_quoted(path) for path in tls)
        listen = ["-e", f"ssl:{port}:privateKey={key}:certKey={certificate}:interface=127.0.0.1"]
    return _start_python(
        ["-m", "daphne", *listen, "config.asgi:application"],
        env=env,
        log_path=daphne_log_path(port),
        port=port,
    )


def _start_python(
    arguments: list[str], *, env: dict, log_path: Path, port: int
) -> subprocess.Popen:
    """Our own interpreter with `arguments`, its output in `log_path`, once `port` listens."""
    log = open(log_path, "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *arguments],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    _wait_for_port(port, process)
    return process


def stop_daphne(process: subprocess.Popen) -> None:
    """Asks the process to stop, and kills it if it has not within 10 s. A process that is
    already gone (killed by the test) is left as it is."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


async def connect_chat(port: int, cookie: str):
    """The chat socket of a browser signed in with session `cookie`, on the server at `port`."""
    return await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/chat/",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
    )


async def until_frame(connection, frame_type: str, wait: float = 10) -> dict:
    """Reads frames until one of `frame_type` arrives (presence and the like may come first)."""
    while True:
        frame = json.loads(await asyncio.wait_for(connection.recv(), wait))
        if frame["type"] == frame_type:
            return frame


def start_turnserver(port: int, secret: str) -> subprocess.Popen:
    """The call tests' own TURN relay: coturn on 127.0.0.1:`port` (UDP and TCP), with the
    REST-scheme `secret`, as `make run` starts it (messaging.turn.local_turnserver_command)."""
    command = local_turnserver_command(
        port=port, secret=secret, data_dir=settings.DATA_DIR, relay_ports=(port + 1, port + 60)
    )
    process = subprocess.Popen(  # noqa: S603 - the fixed coturn binary and our arguments
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait_for_port(port, process)
    return process


def escrow_log_path(port: int) -> Path:
    return Path(settings.DATA_DIR) / f"escrow-{port}.log"


def start_escrow(port: int, oprf_key_hex: str, extra_env: dict | None = None) -> subprocess.Popen:
    """The matching escrow service (`manage.py run_matching_escrow`) on 127.0.0.1:`port`, with
    its key in its own environment only (the test process's environment never holds it)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "ESCROW_OPRF_KEY": oprf_key_hex,
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    return _start_python(
        ["manage.py", "run_matching_escrow", "--bind", f"127.0.0.1:{port}"],
        env=env,
        log_path=escrow_log_path(port),
        port=port,
    )
