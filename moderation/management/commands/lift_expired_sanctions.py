from django.core.management.base import BaseCommand, CommandError
from huey.exceptions import TaskLockedException

from moderation.tasks import lift_expired_sanctions_task


class Command(BaseCommand):
    help = (
        "Ends timed bans and suspensions whose end time has passed, now. The scheduler "
        "(manage.py run_huey) does this every minute; this runs the same timer once."
    )

    def handle(self, *args, **options):
        try:
            # The timer itself, under the lock the scheduler takes: never two runs at once.
            count = lift_expired_sanctions_task.call_local()
        except TaskLockedException:
            raise CommandError("The scheduler is running this timer right now.") from None
        self.stdout.write(f"{count} sanction(s) ended.")
