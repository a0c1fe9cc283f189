"""Run every few minutes (cron, systemd timer): unanswered requests move to the pool, then
to staff. Safe to run as often as you like."""

from django.core.management.base import BaseCommand

from community.services.support_requests import escalate_support_requests


class Command(BaseCommand):
    help = "Escalate support requests nobody accepted in time: first to the pool, then to staff."

    def handle(self, *args, **options):
        result = escalate_support_requests()
        self.stdout.write(
            f"{len(result.moved_to_pool)} moved to the pool, "
            f"{len(result.flagged_for_staff)} flagged for staff."
        )
