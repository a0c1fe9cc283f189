"""Matching entries and matches (issue 16, docs/decisions/0080-matching-escrow.md).

The browser does the cryptography; the server checks shapes, keeps (π, sealed blobs, owner,
times), finds matches (one π from two or more accounts) and tells the matching counsellors,
never the members. Withdrawing deletes the entry at once and takes it out of any match.
"""

import base64
import binascii
import re

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import events
from community.events import notify_member
from community.matching import escrow
from community.models import (
    MatchingCounsellor,
    MatchingEntry,
    MatchingMatch,
    SealedShare,
    Specialty,
    SupportRequest,
)
from community.permissions import check_add_matching_entry, check_matching_counsellor
from community.selectors.matching import counsellors_with_keys

INDEX = re.compile(r"^[0-9a-f]{64}$")
MAX_BLOB_CHARACTERS = 4000
NOTIFICATION_KIND = "matching.match"


class MatchingError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def evaluate_blinded(*, user, blinded_hex: str) -> str:
    """The escrow's evaluation of the browser's blinded element (one of the account's daily
    evaluations). Raises escrow.EscrowError subclasses; the web tier never sees the input."""
    check_add_matching_entry(user=user)
    try:
        blinded = bytes.fromhex(blinded_hex)
    except (TypeError, ValueError) as error:
        raise escrow.EscrowRefused("element") from error
    return escrow.evaluate(user, blinded).hex()


def _checked_blob(blob) -> str:
    if not isinstance(blob, str) or not 0 < len(blob) <= MAX_BLOB_CHARACTERS:
        raise MatchingError("blob", _("A sealed part of the entry is missing or too long."))
    try:
        base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MatchingError("blob", _("A sealed part of the entry is unreadable.")) from error
    return blob


def add_entry(*, user, index: str, sealed: dict) -> MatchingEntry:
    """Stores an entry: π (`index`, 64 hex digits) and one sealed blob for each matching
    counsellor with a key, `sealed` = {counsellor id: (public key it was sealed to, blob)}.
    One entry per identifier per account."""
    check_add_matching_entry(user=user)
    if not isinstance(index, str) or not INDEX.match(index):
        raise MatchingError("index", _("The entry is unreadable: please try again."))
    counsellors = {c.pk: c for c in counsellors_with_keys()}
    if not counsellors:
        raise MatchingError("no_counsellors", _("No matching counsellor can receive entries yet."))
    given = {int(key): value for key, value in sealed.items() if str(key).isdigit()}
    if set(given) != set(counsellors) or any(
        not isinstance(value, list | tuple)
        or len(value) != 2
        or value[0] != counsellors[pk].public_key
        for pk, value in given.items()
    ):
        raise MatchingError(
            "counsellors_changed",
            _("The matching counsellors changed meanwhile: please add the entry again."),
        )
    blobs = {pk: _checked_blob(value[1]) for pk, value in given.items()}
    now = timezone.now()
    try:
        with transaction.atomic():
            entry = MatchingEntry.objects.create(
                owner=user, index=index, created_at=now, updated_at=now
            )
            SealedShare.objects.bulk_create(
                SealedShare(
                    entry=entry,
                    counsellor=counsellors[pk],
                    sealed_to=counsellors[pk].public_key,
                    blob=blob,
                )
                for pk, blob in blobs.items()
            )
            _detect_match(index)
    except IntegrityError as error:
        raise MatchingError(
            "duplicate", _("You already have an entry for this identifier.")
        ) from error
    return entry


def _is_a_match(index: str) -> bool:
    """A match is entries with one π from at least two different accounts (one member naming
    someone twice is one entry, and x is per account, so never two points of a line)."""
    return MatchingEntry.objects.filter(index=index).values("owner_id").distinct().count() >= 2


def _detect_match(index: str) -> None:
    if not _is_a_match(index):
        return
    match, _created = MatchingMatch.objects.get_or_create(index=index)
    counsellor_ids = list(MatchingCounsellor.objects.values_list("user_id", flat=True))
    url = reverse("matching_match", args=[match.pk])
    # In this transaction, through the events seam (messaging stores the notification and
    # announces it on commit). Nobody else is told: never a member.
    for user_id in counsellor_ids:
        notify_member(
            recipient_id=user_id,
            kind=NOTIFICATION_KIND,
            text=lambda: _("A matching entry matches another: open the match to read it."),
            url=url,
        )


def withdraw_entry(*, entry: MatchingEntry) -> None:
    """Deletes the entry and its sealed blobs at once; a match it made with only one other
    account ends with it."""
    with transaction.atomic():
        index = entry.index
        entry.delete()
        if not _is_a_match(index):
            MatchingMatch.objects.filter(index=index).delete()


def withdraw_all_entries(*, owner_id: int) -> None:
    """An account being deleted: its entries go the way a withdrawal goes, matches included."""
    with transaction.atomic():
        for entry in MatchingEntry.objects.filter(owner_id=owner_id):
            withdraw_entry(entry=entry)


def set_counsellor_key(*, user, public_key: str) -> MatchingCounsellor:
    """The counsellor's browser made a key pair and sends the public half (X25519, base64).
    Entries sealed to an older key stay sealed to it (decision 0080, "key loss")."""
    check_matching_counsellor(user=user)
    try:
        raw = base64.b64decode(public_key, validate=True)
    except (binascii.Error, ValueError, TypeError) as error:
        raise MatchingError("key", _("The public key is unreadable.")) from error
    if len(raw) != 32:
        raise MatchingError("key", _("The public key is unreadable."))
    counsellor = MatchingCounsellor.objects.get(user_id=user.pk)
    counsellor.public_key = public_key
    counsellor.key_set_at = timezone.now()
    counsellor.save(update_fields=["public_key", "key_set_at"])
    return counsellor


def match_alias(*, match: MatchingMatch, entry: MatchingEntry) -> str:
    """How the member appears in the thread a counsellor opens from a match: per match and
    entry, never their pseudonym (the alias is unique, so a second contact finds the first)."""
    return f"Match {match.pk}-{entry.pk}"


def contact_match_member(*, user, match: MatchingMatch, entry_id: int) -> SupportRequest:
    """Opens (or finds) a private support thread between the counsellor and the owner of one
    of the match's entries. The member sees it among their support requests and chooses
    whether to reply; the counsellor sees them only by the match's alias."""
    check_matching_counsellor(user=user)
    entry = MatchingEntry.objects.filter(pk=entry_id, index=match.index).first()
    if entry is None:
        raise MatchingError("entry", _("That entry is not part of this match any more."))
    alias = match_alias(match=match, entry=entry)
    with transaction.atomic():
        existing = SupportRequest.objects.filter(alias=alias).first()
        if existing is not None:
            return existing
        now = timezone.now()
        support_request = SupportRequest.objects.create(
            member_id=entry.owner_id,
            advocate=user,
            accepted_by=user,
            specialty=Specialty.objects.get(slug="legal"),
            summary=_(
                "A matching counsellor would like to talk with you about one of your matching "
                "entries. You choose whether to reply."
            ),
            language=entry.owner.profile.language or "en",
            alias=alias,
            status=SupportRequest.Status.ACCEPTED,
            accepted_at=now,
        )
        events.publish(events.SupportRequestAccepted(support_request=support_request))
        notify_member(
            recipient_id=entry.owner_id,
            kind="support.matching",
            text=lambda: _(
                "A matching counsellor opened a private conversation with you. You choose "
                "whether to reply."
            ),
            url=reverse("support_request_detail", args=[support_request.pk]),
        )
    return support_request
