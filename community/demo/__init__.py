"""Demo data for `make run` (`manage.py seed_demo`): idempotent, so running it twice changes
nothing.

Each app seeds its own rows with a function listed in DEMO_SEEDERS, run in order in one
transaction; the command prints every login they return, so a newcomer can try each role at
once. The list names the seeders of messaging and moderation by dotted path only: they build on
community's demo rows, and community imports neither app (docs/architecture.md, "Dependencies").
"""

from django.db import transaction
from django.utils.module_loading import import_string

from community.demo.accounts import DemoLogin

DEMO_SEEDERS = [
    "community.demo.accounts.seed_accounts",
    "community.demo.groups.seed_groups",
    "community.demo.advocates.seed_advocates",
    "community.demo.journal.seed_journal",
    "messaging.demo.seed_conversations",
    "moderation.demo.seed_moderation",
]


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    for dotted in DEMO_SEEDERS:
        logins.extend(import_string(dotted)() or [])
    return logins
