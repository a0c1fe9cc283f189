"""Demo data for `make run` (`manage.py seed_demo`): idempotent, so running it twice changes
nothing.

Each app seeds its own rows with a function it registers here (`register_seeder`): community's
first, below; messaging and moderation, which build on community's demo rows, in their
`AppConfig.ready()` (community imports neither: docs/architecture.md, "Dependencies"). They run
in that order in one transaction; the command prints every login they return, so a newcomer
can try each role at once.
"""

from django.db import transaction

from community.demo.accounts import DemoLogin, seed_accounts
from community.demo.advocates import seed_advocates, seed_support_thread
from community.demo.groups import seed_groups
from community.demo.journal import seed_journal
from community.demo.perspectives import seed_perspectives

DEMO_SEEDERS: list = [
    seed_accounts,
    seed_groups,
    seed_advocates,
    seed_support_thread,
    seed_journal,
    seed_perspectives,
]


def register_seeder(seeder) -> None:
    if seeder not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seeder)


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    for seeder in DEMO_SEEDERS:
        logins.extend(seeder() or [])
    return logins
