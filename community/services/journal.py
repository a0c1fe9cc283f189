"""Writing the private journal: entries, versions, evidence, reminders, wiping.

Tamper evidence: every version of every entry is one link of its owner's hash chain,
    hash = SHA-256(previous hash + "\\n" + canonical JSON of the version's payload)
where the payload (`version_payload`) holds the entry id, the version number and position,
the server time it was saved, every field, and the SHA-256 of each evidence file attached so
far. The first link's previous hash is 64 zeros. An edit appends a version; nothing in a saved
version is ever changed, so recomputing the chain (selectors.journal.verify_chain) shows
whether anything was altered afterwards. The recipe is repeated in every JSON export.
"""

import datetime
import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, fields

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from community.events import notify_member
from community.models import (
    JournalEntry,
    JournalEvidence,
    JournalReminder,
    JournalShare,
    JournalVersion,
    User,
)
from community.services.journal_evidence import (
    PreparedEvidence,
    delete_evidence_files,
    write_encrypted_file,
)

GENESIS_HASH = "0" * 64
CONTENT_FIELDS = (
    "title",
    "occurred_on",
    "occurred_time",
    "date_is_approximate",
    "channel",
    "place",
    "people_involved",
    "witnesses",
    "what_happened",
    "effect",
    "actions_taken",
)


@dataclass(frozen=True)
class EntryContent:
    title: str
    occurred_on: datetime.date
    occurred_time: str
    date_is_approximate: bool
    channel: str
    place: str
    people_involved: str
    witnesses: str
    what_happened: str
    effect: str
    actions_taken: str
    retaliation_for: JournalEntry | None = None


def version_payload(
    *,
    version: JournalVersion,
    entry_public_id: str,
    retaliation_for_public_id: str | None,
    evidence_hashes: list[str],
) -> dict:
    """Everything a chain link vouches for, in plain JSON types."""
    payload = {field: getattr(version, field) for field in CONTENT_FIELDS}
    payload["occurred_on"] = version.occurred_on.isoformat()
    payload.update(
        entry=entry_public_id,
        version=version.number,
        chain_position=version.chain_position,
        saved_at=version.created_at.astimezone(datetime.UTC).isoformat(),
        retaliation_for=retaliation_for_public_id,
        evidence_sha256=sorted(evidence_hashes),
    )
    return payload


def chain_hash(*, previous_hash: str, payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()


def record_entry(
    *, owner: User, content: EntryContent, evidence: list[PreparedEvidence]
) -> JournalEntry:
    written: list[str] = []
    with _removing_files_on_error(written), transaction.atomic():
        _lock_owner(owner_id=owner.pk)
        entry = JournalEntry.objects.create(owner=owner, created_at=timezone.now())
        _append_version(entry=entry, content=content, evidence=evidence, number=1, written=written)
    return entry


def revise_entry(
    *, entry: JournalEntry, content: EntryContent, evidence: list[PreparedEvidence]
) -> JournalVersion:
    """An edit: a new version that keeps every earlier one and extends the chain."""
    written: list[str] = []
    with _removing_files_on_error(written), transaction.atomic():
        _lock_owner(owner_id=entry.owner_id)
        last_number = entry.versions.aggregate(last=Max("number"))["last"] or 0
        return _append_version(
            entry=entry, content=content, evidence=evidence, number=last_number + 1, written=written
        )


@contextmanager
def _removing_files_on_error(written: list[str]):
    """Files are written inside the transaction; if it fails, they must not outlive it.
    (A rollback of an outer transaction after this returns would leave unreadable orphans
    under random names; no caller wraps these services that way.)"""
    try:
        yield
    except BaseException:
        delete_evidence_files(written)
        raise


def _append_version(
    *,
    entry: JournalEntry,
    content: EntryContent,
    evidence: list[PreparedEvidence],
    number: int,
    written: list[str],
) -> JournalVersion:
    last_link = (
        JournalVersion.objects.filter(entry__owner_id=entry.owner_id)
        .order_by("-chain_position")
        .values("chain_position", "entry_hash")
        .first()
    )
    # Not dataclasses.asdict(): it would deep-copy the linked entry's model instance.
    values = {field.name: getattr(content, field.name) for field in fields(content)}
    retaliation_for = values.pop("retaliation_for")
    if retaliation_for is not None and (
        retaliation_for.owner_id != entry.owner_id or retaliation_for.pk == entry.pk
    ):
        retaliation_for = None
    version = JournalVersion(
        entry=entry,
        number=number,
        chain_position=(last_link["chain_position"] + 1) if last_link else 1,
        created_at=timezone.now(),
        previous_hash=last_link["entry_hash"] if last_link else GENESIS_HASH,
        retaliation_for=retaliation_for,
        **values,
    )
    earlier_hashes = list(entry.evidence.values_list("sha256", flat=True)) if number > 1 else []
    version.entry_hash = chain_hash(
        previous_hash=version.previous_hash,
        payload=version_payload(
            version=version,
            entry_public_id=entry.public_id,
            retaliation_for_public_id=retaliation_for.public_id if retaliation_for else None,
            evidence_hashes=earlier_hashes + [item.sha256 for item in evidence],
        ),
    )
    version.save()
    _store_evidence(entry=entry, version=version, evidence=evidence, written=written)
    entry.current_version = version
    entry.save(update_fields=["current_version"])
    return version


def _store_evidence(
    *,
    entry: JournalEntry,
    version: JournalVersion,
    evidence: list[PreparedEvidence],
    written: list[str],
) -> None:
    for item in evidence:
        stored_name = write_encrypted_file(item.data)
        written.append(stored_name)
        JournalEvidence.objects.create(
            entry=entry,
            added_in_version=version,
            stored_name=stored_name,
            original_name=item.original_name,
            kind=item.kind,
            content_type=item.content_type,
            size=len(item.data),
            sha256=item.sha256,
        )


@transaction.atomic
def wipe_journal(*, owner: User) -> int:
    """Destroys every entry, version, evidence file, share and reminder of `owner`.
    Returns how many entries there were."""
    stored_names = list(
        JournalEvidence.objects.filter(entry__owner=owner).values_list("stored_name", flat=True)
    )
    entry_count = JournalEntry.objects.filter(owner=owner).count()
    # Versions point at entries and entries at versions: clear the pointer before deleting.
    JournalEntry.objects.filter(owner=owner).update(current_version=None)
    JournalVersion.objects.filter(entry__owner=owner).update(retaliation_for=None)
    JournalEntry.objects.filter(owner=owner).delete()
    JournalReminder.objects.filter(owner=owner).delete()
    transaction.on_commit(lambda: delete_evidence_files(stored_names))
    return entry_count


@transaction.atomic
def add_reminder(*, owner: User, due_on: datetime.date, note: str) -> JournalReminder:
    return JournalReminder.objects.create(owner=owner, due_on=due_on, note=note)


@transaction.atomic
def dismiss_reminder(*, reminder: JournalReminder) -> JournalReminder:
    if reminder.dismissed_at is None:
        reminder.dismissed_at = timezone.now()
        reminder.save(update_fields=["dismissed_at"])
    return reminder


@transaction.atomic
def delete_reminder(*, reminder: JournalReminder) -> None:
    reminder.delete()


def _lock_owner(*, owner_id: int) -> None:
    # Serialises chain appends per owner on PostgreSQL; SQLite's immediate transactions
    # already serialise every writer.
    User.objects.select_for_update().filter(pk=owner_id).values_list("pk", flat=True).first()


@transaction.atomic
def share_entry(*, entry: JournalEntry, support_request) -> JournalShare:
    """Shares one entry read-only into one of the owner's support requests (idempotent).
    The caller has checked the request is the owner's and has an advocate."""
    share, created = JournalShare.objects.get_or_create(
        entry=entry, support_request=support_request
    )
    if created and support_request.advocate_id:
        advocate_id = support_request.advocate_id
        url = reverse("journal_shared_for_request", args=[support_request.pk])
        transaction.on_commit(
            lambda: notify_member(
                recipient_id=advocate_id,
                kind="journal_shared",
                text=lambda: gettext("A journal entry was shared with you in a support request."),
                url=url,
            )
        )
    return share


@transaction.atomic
def revoke_share(*, share: JournalShare) -> None:
    share.delete()
