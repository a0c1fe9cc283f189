"""First-run content for any installation: the resources articles and the two training
modules ("Advocate essentials" gates advocate verification). Idempotent; never overwrites an
article staff have edited."""

from django.core.management.base import BaseCommand

from community.demo.library import seed_library


class Command(BaseCommand):
    help = "Create the first resources articles and training modules if they are missing."

    def handle(self, *args, **options):
        seed_library()
        self.stdout.write("Resources library and training modules are in place.")
