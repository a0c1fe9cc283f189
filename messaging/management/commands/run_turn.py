"""`make run` starts this next to daphne: the local TURN relay calls need (coturn on
127.0.0.1, with this checkout's generated secret). It replaces itself with coturn, so
stopping it stops the relay."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from messaging.turn import TURNSERVER_BINARY, local_turnserver_command


class Command(BaseCommand):
    help = "Runs the local TURN relay (coturn) for calls on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=3478)

    def handle(self, *args, port, **options):
        if not Path(TURNSERVER_BINARY).exists():
            raise CommandError(f"No coturn at {TURNSERVER_BINARY}: calls are off.")
        if not settings.TURN_SECRET:
            raise CommandError("TURN_SECRET is not set.")
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        command = local_turnserver_command(
            port=port, secret=settings.TURN_SECRET, data_dir=settings.DATA_DIR
        )
        os.execv(command[0], command)  # noqa: S606 - our own fixed binary and arguments
