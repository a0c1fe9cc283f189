from django.core.management.base import BaseCommand

from moderation.actions.lift import lift_expired_sanctions


class Command(BaseCommand):
    help = "Ends group bans and site suspensions whose end time has passed (run every few minutes)."

    def handle(self, *args, **options):
        count = lift_expired_sanctions()
        self.stdout.write(f"{count} sanction(s) ended.")
