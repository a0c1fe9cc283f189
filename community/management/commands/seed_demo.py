from django.core.management.base import BaseCommand

from community.demo import seed_demo
from community.demo.accounts import DEMO_PASSWORD
from community.demo.advocates import DEMO_ADVOCATES


class Command(BaseCommand):
    help = "Loads demo groups, members, advocates and a moderator (idempotent) and prints logins."

    def handle(self, *args, **options):
        logins = seed_demo()
        self.stdout.write(
            self.style.SUCCESS("Demo data is ready. Sign in at http://127.0.0.1:8000/")
        )
        self.stdout.write(f"Every demo account's password: {DEMO_PASSWORD}")
        for login in logins:
            line = f"  {login.role:<22} {login.email:<34} shown as {login.pseudonym}"
            if login.totp_secret:
                line += f"  (authenticator secret {login.totp_secret})"
            self.stdout.write(line)
        self.stdout.write(
            f"River and {DEMO_ADVOCATES[0][1]} share a support thread: sign in as each in two "
            "browsers to try a private call."
        )
