"""Reading the private journal. Every function takes the owner: there is no query here that
could return someone else's entries.

The text is encrypted in the database, so search and date filters run in Python over the
owner's own rows (a journal is dozens of entries, not millions)."""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from community.dates import absolute_text
from community.encryption import DecryptionError
from community.models import (
    JournalEntry,
    JournalEvidence,
    JournalReminder,
    JournalShare,
    JournalVersion,
    SupportRequest,
)
from community.services.journal import GENESIS_HASH, chain_hash, version_payload
from community.services.journal_evidence import read_evidence_bytes

SEARCHED_FIELDS = (
    "title",
    "place",
    "people_involved",
    "witnesses",
    "what_happened",
    "effect",
    "actions_taken",
)


def list_entries(*, owner_id: int) -> list[JournalEntry]:
    """The owner's entries with their current content, in one query, latest incident first
    (the date is encrypted, so the ordering happens here)."""
    entries = list(
        JournalEntry.objects.filter(owner_id=owner_id)
        .select_related("current_version")
        .annotate(
            version_count=Count("versions", distinct=True),
            evidence_count=Count("evidence", distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    return sorted(entries, key=lambda entry: entry.current_version.occurred_on, reverse=True)


def search_entries(*, entries: list[JournalEntry], query: str) -> list[JournalEntry]:
    """Filters the owner's already-listed entries (from list_entries), so a search does not
    fetch and decrypt the whole journal a second time."""
    words = query.casefold().split()
    if not words:
        return []
    matches = []
    for entry in entries:
        version = entry.current_version
        haystack = " ".join(str(getattr(version, name)) for name in SEARCHED_FIELDS).casefold()
        if all(word in haystack for word in words):
            matches.append(entry)
    return matches


def entry_with_history(*, entry: JournalEntry) -> JournalEntry:
    """Attaches `history` (versions, oldest first) and `evidence_items` to the entry."""
    entry.history = list(
        entry.versions.select_related("retaliation_for__current_version").order_by("number")
    )
    entry.evidence_items = list(entry.evidence.select_related("added_in_version"))
    return entry


def earlier_entries_for(*, owner_id: int, exclude_entry_id: int | None = None):
    entries = JournalEntry.objects.filter(owner_id=owner_id).select_related("current_version")
    if exclude_entry_id is not None:
        entries = entries.exclude(pk=exclude_entry_id)
    return list(entries.order_by("-created_at", "-id"))


def due_reminders(*, owner_id: int, today: datetime.date) -> list[JournalReminder]:
    return [
        reminder for reminder in active_reminders(owner_id=owner_id) if reminder.due_on <= today
    ]


def active_reminders(*, owner_id: int) -> list[JournalReminder]:
    reminders = JournalReminder.objects.filter(owner_id=owner_id, dismissed_at__isnull=True)
    return sorted(reminders, key=lambda reminder: (reminder.due_on, reminder.pk))


def chain_versions(*, owner_id: int) -> list[JournalVersion]:
    """Every version of the owner's journal in chain order, with what its hash needs."""
    return list(
        JournalVersion.objects.filter(entry__owner_id=owner_id)
        .select_related("entry", "retaliation_for")
        .prefetch_related(
            Prefetch(
                "entry__evidence",
                queryset=JournalEvidence.objects.select_related("added_in_version"),
            )
        )
        .order_by("chain_position")
    )


def payload_for(version: JournalVersion) -> dict:
    evidence_hashes = [
        item.sha256
        for item in version.entry.evidence.all()
        if item.added_in_version.number <= version.number
    ]
    return version_payload(
        version=version,
        entry_public_id=version.entry.public_id,
        retaliation_for_public_id=(
            version.retaliation_for.public_id if version.retaliation_for else None
        ),
        evidence_hashes=evidence_hashes,
    )


@dataclass
class ChainReport:
    intact: bool = True
    versions_checked: int = 0
    files_checked: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)


def verify_chain(*, owner_id: int, versions: list[JournalVersion] | None = None) -> ChainReport:
    """Recomputes every link and every evidence file's SHA-256 and says what no longer fits.
    `versions`, if given, is chain_versions(owner_id=owner_id) already fetched by the caller."""
    if versions is None:
        versions = chain_versions(owner_id=owner_id)
    report = ChainReport()
    expected_previous = GENESIS_HASH
    for position, version in enumerate(versions, start=1):
        report.versions_checked += 1
        label = _("version %(number)s of an entry saved %(saved)s") % {
            "number": version.number,
            "saved": absolute_text(version.created_at),
        }
        if version.chain_position != position or version.previous_hash != expected_previous:
            report.problems.append(_("The chain is broken before %(label)s.") % {"label": label})
        try:
            recomputed = chain_hash(
                previous_hash=version.previous_hash, payload=payload_for(version)
            )
        except DecryptionError:
            recomputed = None
        if recomputed != version.entry_hash:
            report.problems.append(_("The content of %(label)s has changed.") % {"label": label})
        expected_previous = version.entry_hash
        report.head_hash = version.entry_hash
    for evidence in JournalEvidence.objects.filter(entry__owner_id=owner_id):
        report.files_checked += 1
        try:
            matches = hashlib.sha256(read_evidence_bytes(evidence)).hexdigest() == evidence.sha256
        except (OSError, DecryptionError):
            matches = False
        if not matches:
            report.problems.append(
                _("The evidence file “%(name)s” is missing or has changed.")
                % {"name": evidence.original_name}
            )
    report.intact = not report.problems
    return report


# --- sharing with an advocate ------------------------------------------------------------------


def shareable_requests_for(*, owner_id: int):
    """The owner's support requests that an advocate has accepted and not yet closed."""
    return (
        SupportRequest.objects.filter(
            member_id=owner_id, advocate__isnull=False, status=SupportRequest.Status.ACCEPTED
        )
        .select_related("specialty")
        .order_by("-created_at")
    )


def shares_of_entry(*, entry: JournalEntry):
    return list(entry.shares.select_related("support_request__specialty").order_by("id"))


def shared_entries_for_request(*, support_request_id: int):
    """What the request's advocate may read: the shared entries, current version and files."""
    return list(
        JournalShare.objects.filter(support_request_id=support_request_id)
        .select_related("entry__current_version")
        .prefetch_related("entry__evidence")
        .order_by("id")
    )
