"""Demo journal: two entries (the second marked as retaliation for the first, with an edit) and
a reminder that is due, for the demo member river@example.com. Idempotent."""

import dataclasses
import datetime

from django.utils import timezone

from community.models import IncidentChannel, JournalEntry, User
from community.services.journal import EntryContent, add_reminder, record_entry, revise_entry


def seed_journal() -> list:
    owner = User.objects.filter(email="river@example.com").first()
    if owner is None or JournalEntry.objects.filter(owner=owner).exists():
        return []
    today = timezone.localdate()
    first = record_entry(
        owner=owner,
        evidence=[],
        content=EntryContent(
            title="Comments in the design review",
            occurred_on=today - datetime.timedelta(days=40),
            occurred_time="14:00",
            date_is_approximate=False,
            channel=IncidentChannel.VIDEO_CALL,
            place="Weekly design review (video call)",
            people_involved="Team lead",
            witnesses="Two colleagues from the platform team",
            what_happened=(
                "My proposal was dismissed with a remark about my accent, in front of the "
                "whole team."
            ),
            effect="I stopped speaking up in the next reviews.",
            actions_taken=(
                "Told my manager in our 1:1 two days later; she said she would look into it."
            ),
        ),
    )
    content = EntryContent(
        title="Taken off the launch project",
        occurred_on=today - datetime.timedelta(days=12),
        occurred_time="",
        date_is_approximate=True,
        channel=IncidentChannel.EMAIL,
        place="",
        people_involved="Team lead",
        witnesses="",
        what_happened="An email said I was moved to maintenance work, without a reason.",
        effect="",
        actions_taken="",
        retaliation_for=first,
    )
    second = record_entry(owner=owner, evidence=[], content=content)
    revise_entry(
        entry=second,
        evidence=[],
        content=dataclasses.replace(
            content,
            effect="Worried this is because I spoke to my manager.",
        ),
    )
    add_reminder(
        owner=owner, due_on=today, note="Deadline the advocate mentioned: check it with them."
    )
    return []
