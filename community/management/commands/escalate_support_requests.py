"""The escalation timer, once. The scheduler (`manage.py run_huey`) runs it every minute;
this is for catching up by hand. Safe to run as often as you like."""

from django.core.management.base import BaseCommand

from community.tasks import escalate_support_requests_task


class Command(BaseCommand):
    help = "Escalate support requests nobody accepted in time: first to the pool, then to staff."

    def handle(self, *args, **options):
        result = escalate_support_requests_task.call_local()
        self.stdout.write(
            f"{len(result.moved_to_pool)} moved to the pool, "
            f"{len(result.flagged_for_staff)} flagged for staff."
        )
