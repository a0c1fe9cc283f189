"""Reads for the matching escrow (decision 0080)."""

import hashlib
import hmac

from django.conf import settings

from community.models import MatchingCounsellor, MatchingEntry, MatchingMatch, SealedShare

# The prime of the shares' line, y = a·x + K (mod P): 2^255 - 19.
SHARE_PRIME = 2**255 - 19


def share_x(*, user) -> int:
    """The member's x: one per account (every entry of theirs lies at the same x, so one
    member can never give two points of a line), different between accounts."""
    message = f"matching-x:{user.pk}:{user.date_joined.isoformat()}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha512).digest()
    return int.from_bytes(digest, "big") % (SHARE_PRIME - 1) + 1


def counsellors_with_keys() -> list[MatchingCounsellor]:
    """The counsellors an entry is sealed to: those who set a key."""
    return list(MatchingCounsellor.objects.exclude(public_key="").order_by("pk"))


def entries_of(*, user) -> list[MatchingEntry]:
    """The member's own entries (the page shows what the browser kept of each, nothing else:
    never whether it matched)."""
    return list(MatchingEntry.objects.filter(owner_id=user.pk).order_by("-created_at"))


def matches_waiting() -> list[MatchingMatch]:
    """Every match, newest first (matching counsellors only: the views check)."""
    return list(MatchingMatch.objects.order_by("-detected_at"))


def match_shares(*, match: MatchingMatch, user) -> list[dict]:
    """The counsellor's sealed blobs of the match's entries, with each entry's id and its
    owner's account age (counsellors weigh a very young account: decision 0080, Sybils)."""
    shares = (
        SealedShare.objects.filter(entry__index=match.index, counsellor__user_id=user.pk)
        .select_related("entry__owner")
        .order_by("entry__created_at")
    )
    return [
        {
            "entry": share.entry_id,
            "blob": share.blob,
            "sealed_to": share.sealed_to,
            "owner_joined": share.entry.owner.date_joined,
        }
        for share in shares
    ]
