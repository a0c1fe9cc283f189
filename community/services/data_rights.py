"""A member's data rights: everything of theirs in one archive, and deleting the account so
that nothing of theirs remains readable.

Deletion, in one transaction: the journal is wiped (files removed after commit), posts and
messages are either kept with no author ("Former member") or blanked to tombstones with their
edit history dropped, every session is ended, and the account row is deleted, which takes the
profile, email addresses, authenticators, memberships, requests and notifications with it.
After commit the member's open sockets are closed, and in embedded mode SQLite's write-ahead
log is checkpointed and emptied, so no earlier copy of a deleted row stays on disk
(docs/decisions/0061-erasure-leaves-no-copies.md; for PostgreSQL, see the README).
"""

import io
import json
import logging
import zipfile

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connections, router, transaction
from django.utils import timezone

from community import events
from community.before_you_send import own_words_of
from community.models import (
    JournalReminder,
    Membership,
    Post,
    PostRevision,
    Profile,
    SignInAttempt,
    SupportRequest,
    ThreadVisit,
    User,
)
from community.search import forget_erased_text
from community.selectors.matching import entries_of
from community.selectors.perspectives import perspectives_written_by
from community.services.journal import wipe_journal
from community.services.journal_export import add_evidence_to_zip, build_journal_export
from community.services.matching import withdraw_all_entries
from community.services.perspectives import erase_perspectives_of

logger = logging.getLogger(__name__)


def export_all_data(*, user: User) -> bytes:
    """A zip: one JSON file per kind of data, plus the journal's evidence files."""
    files = {
        "account.json": _account(user),
        "groups.json": _memberships(user),
        "posts.json": _posts(user),
        "threads_opened.json": _thread_visits(user),
        "perspectives.json": perspectives_written_by(user_id=user.pk),
        "support_requests.json": _support_requests(user),
        "matching_entries.json": _matching_entries(user),
        "journal/journal.json": build_journal_export(owner=user),
        "journal/reminders.json": [
            {
                "date": reminder.due_on.isoformat(),
                "note": reminder.note,
                "dismissed_at": _iso(reminder.dismissed_at),
            }
            for reminder in JournalReminder.objects.filter(owner=user)
        ],
    }
    # Messages and notifications are messaging's: it adds its files (messaging/handlers.py).
    collected = events.MemberDataExported(user=user)
    events.publish(collected)
    files.update(collected.files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, json.dumps(data, ensure_ascii=False, indent=2))
        add_evidence_to_zip(archive=archive, owner=user, prefix="journal/")
    return buffer.getvalue()


def _account(user: User) -> dict:
    profile = Profile.objects.filter(user=user).first()
    return {
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values_list("email", flat=True)
        ),
        "date_joined": _iso(user.date_joined),
        "profile": None
        if profile is None
        else {
            "pseudonym": profile.pseudonym,
            "pronouns": profile.pronouns,
            "bio": profile.bio,
            "who_may_message_me": profile.dm_policy,
            "unfamiliar_message_requests": profile.unfamiliar_requests,
            "appear_offline": profile.appear_offline,
            "phone_numbers_region": profile.phone_region,
            "time_zone": profile.time_zone,
            "language": profile.language,
            "created_at": _iso(profile.created_at),
        },
        "words_that_identify_me": list(own_words_of(user_id=user.pk)),
        # The same coarse record the sign-in activity page shows: no address, no user agent.
        "sign_ins": [
            {"at": _iso(attempt.at), "outcome": attempt.outcome, "device": attempt.device}
            for attempt in SignInAttempt.objects.filter(user=user).order_by("at")
        ],
    }


def _memberships(user: User) -> list[dict]:
    return [
        {
            "group": membership.group.name,
            "role": membership.role,
            "state": membership.state,
            "joined_at": _iso(membership.joined_at),
        }
        for membership in Membership.objects.filter(user=user).select_related("group")
    ]


def _posts(user: User) -> list[dict]:
    return [
        {
            "id": post.pk,
            "group": post.group.name,
            "thread": post.thread_id,
            "anonymous": post.is_anonymous,
            "title": post.title,
            "body": post.body,
            "created_at": _iso(post.created_at),
            "edited_at": _iso(post.edited_at),
            "deleted_at": _iso(post.deleted_at),
        }
        for post in Post.objects.filter(author=user).select_related("group").order_by("id")
    ]


def _thread_visits(user: User) -> list[dict]:
    """When the member last opened each thread: their lists' read state, theirs alone."""
    return [
        {
            "group": visit.thread.group.name,
            "thread": visit.thread_id,
            "seen_at": _iso(visit.seen_at),
        }
        for visit in ThreadVisit.objects.filter(user=user)
        .select_related("thread__group")
        .order_by("thread_id")
    ]


def _matching_entries(user: User) -> dict:
    """The member's matching entries as the server holds them (decision 0080): when each was
    added. Never the index nor a sealed blob (they would only help someone test guesses
    against the escrow), never whether an entry matched (no member learns that)."""
    return {
        "about": (
            "Whom you named is not stored readable on the server: only a keyed index and "
            "copies sealed to the matching counsellors, which nobody running the service can "
            "open. Your browser keeps its own note of what you entered; this file lists when "
            "each entry was added."
        ),
        "entries": [
            {"entry": entry.pk, "added_at": _iso(entry.created_at)}
            for entry in entries_of(user=user)
        ],
    }


def _support_requests(user: User) -> list[dict]:
    return [
        {
            "id": request.pk,
            "specialty": str(request.specialty),
            "summary": request.summary,
            "status": request.status,
            "urgency": request.urgency,
            "created_at": _iso(request.created_at),
            "resolved_at": _iso(request.resolved_at),
        }
        for request in SupportRequest.objects.filter(member=user)
        .select_related("specialty")
        .order_by("id")
    ]


def delete_account(*, user: User, delete_contributions: bool) -> None:
    user_id = user.pk
    with transaction.atomic():
        wipe_journal(owner=user)
        # Matching entries go as withdrawn ones do: a match left with one account ends.
        withdraw_all_entries(owner_id=user_id)
        # Messaging erases the member's messages when asked to (messaging/handlers.py).
        events.publish(
            events.MemberAccountDeleting(user_id=user_id, delete_contributions=delete_contributions)
        )
        if delete_contributions:
            now = timezone.now()
            own_posts = Post.objects.filter(author=user)
            PostRevision.objects.filter(post__in=own_posts).delete()
            own_posts.update(title="", body="", content_warning="", deleted_at=now)
            erase_perspectives_of(user_id=user_id)
        profile = Profile.objects.filter(user=user).first()
        if profile is not None:
            # The admin's history names objects by str(), and a profile's str is its pseudonym.
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Profile),
                object_id=str(profile.pk),
            ).delete()
        # Both close the account's sockets on commit (messaging/handlers.py).
        end_all_sessions(user_id=user_id)
        user.delete()
    if delete_contributions:
        # The search index drops the erased words from disk too, not only from its answers.
        forget_erased_text()
    # Last, once everything above is committed (at once when no transaction is open): the log
    # still holds the erased rows' old pages.
    transaction.on_commit(leave_no_copies_on_disk)


def leave_no_copies_on_disk() -> None:
    """Embedded mode: the rows just deleted are zeroed in the database file (secure_delete,
    config/settings.py), but the write-ahead log still holds the pages as they were before, each
    with its copy of the email, pseudonym and texts. A TRUNCATE checkpoint writes the log back
    into the file and empties it. PostgreSQL keeps its own copies (dead tuples until VACUUM, WAL
    segments, backups): what operators do about them is in the README."""
    connection = connections[router.db_for_write(User)]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # Inside a transaction still open (a caller's, or a test's) SQLite cannot checkpoint;
        # on_commit runs this once the deletion is committed and no transaction is open.
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _log_frames, _checkpointed = cursor.fetchone()
    if busy:
        # Another connection was reading: the log could not be emptied now. It is, at the
        # latest, by the next erasure or SQLite's own checkpoint when the log fills.
        logger.warning("the database log could not be emptied after an account deletion")


def end_all_sessions(*, user_id: int) -> None:
    """Ends every session of the account: those allauth tracks (real sign-ins), and on the
    database session backend any other live one that names the account (rare: sessions made
    outside allauth's sign-in). Account deletion is rare enough to afford the scan."""
    for tracked in UserSession.objects.filter(user_id=user_id):
        tracked.end()
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    stale = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == str(user_id)
    ]
    Session.objects.filter(session_key__in=stale).delete()


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None
