"""What messaging does when something happens elsewhere: Django's and allauth's signals
(sessions, accounts, two-factor authentication) and community's events (community/events.py).

A socket lives exactly as long as its session would still open a page.

Sessions end in code that must not know about sockets: Django's sign-out (a flush), allauth's
"sign out other sessions" and password forms, the admin, suspension, account deletion,
`clearsessions`. So messaging subscribes to the two rows that Django's own session check reads
(and `messaging.selectors.sessions.session_expiry` with it): the session row and the account.
Expiry needs no signal: each socket's timer closes it when its session's time runs out.

These cover the database-backed session engines (`db`, `cached_db`), the ones Kindred uses.
"""

from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from community import events
from community.models import Profile
from messaging.models import Conversation
from messaging.selectors.exports import messages_written_by, notifications_of
from messaging.services.conversations import (
    create_support_conversation,
    erase_messages_of,
    get_or_create_group_room,
    set_support_advocate,
)
from messaging.services.notifications import notify
from messaging.services.realtime import (
    end_group_membership_sockets,
    end_session_sockets,
    end_user_sockets,
    recheck_user_sessions,
    refresh_user_access,
)

# What Django's session check reads on the account: the password (through the auth hash stored
# in each session) and whether the account is active.
SESSION_CHECKED_FIELDS = frozenset({"password", "is_active"})
# What a socket's kept access reads on the account: site-wide moderator powers.
ACCESS_FIELDS = frozenset({"is_site_moderator"})


@receiver(post_delete, sender=Session, dispatch_uid="messaging_end_sockets_of_deleted_session")
def end_sockets_of_deleted_session(sender, instance, using, **kwargs):
    """One session ended (signed out, ended from the sessions page, flushed, deleted with the
    account): only the sockets opened with it close; the member's other sessions keep theirs."""
    if instance.expire_date <= timezone.now():
        # Expired already, so its sockets closed on their timers; `clearsessions` deletes such
        # rows by the thousand, and nobody is left to tell.
        return
    session_key = instance.session_key
    transaction.on_commit(lambda: end_session_sockets(session_key=session_key), using=using)


@receiver(
    post_save,
    sender=settings.AUTH_USER_MODEL,
    dispatch_uid="messaging_recheck_sessions_of_changed_account",
)
def recheck_sessions_of_changed_account(sender, instance, created, raw, using, **kwargs):
    """A password change or reset (any form: allauth's, `changepassword`), a deactivation (the
    admin, a suspension): every session of the account stops opening pages, so every socket
    checks its session again and closes. The sockets ask the one rule (`session_expiry`)
    instead of this handler guessing from what changed."""
    if created or raw:
        return
    update_fields = kwargs.get("update_fields")
    user_id = instance.pk
    if update_fields is None or ACCESS_FIELDS & set(update_fields):
        transaction.on_commit(lambda: refresh_user_access(user_id=user_id), using=using)
    if update_fields is not None and not SESSION_CHECKED_FIELDS & set(update_fields):
        return  # e.g. `last_login`, saved at every sign-in
    transaction.on_commit(lambda: recheck_user_sessions(user_id=user_id), using=using)


@receiver(authenticator_added, dispatch_uid="messaging_access_after_mfa_added")
@receiver(authenticator_removed, dispatch_uid="messaging_access_after_mfa_removed")
@receiver(authenticator_reset, dispatch_uid="messaging_access_after_mfa_reset")
def refresh_access_after_mfa_change(sender, request=None, user=None, **kwargs):
    """Moderator powers in rooms need two-factor authentication: when it is turned on or off,
    the member's sockets check what they may do again."""
    if user is not None:
        user_id = user.pk
        transaction.on_commit(lambda: refresh_user_access(user_id=user_id))


@receiver(post_save, sender=Profile, dispatch_uid="messaging_access_after_profile_change")
def refresh_access_after_profile_change(sender, instance, created, raw, **kwargs):
    """A new pseudonym shows on the messages written from already open sockets too."""
    if not created and not raw:
        user_id = instance.user_id
        transaction.on_commit(lambda: refresh_user_access(user_id=user_id))


@receiver(
    post_delete,
    sender=settings.AUTH_USER_MODEL,
    dispatch_uid="messaging_end_sockets_of_deleted_account",
)
def end_sockets_of_deleted_account(sender, instance, using, **kwargs):
    """Deleted by the member (data rights) or by staff in the admin: every socket closes."""
    user_id = instance.pk
    transaction.on_commit(lambda: end_user_sockets(user_id=user_id), using=using)


# --- What community tells the apps built on it (community/events.py) ----------------------


def _notify(event: events.MemberNotified) -> None:
    notify(recipient_id=event.recipient_id, kind=event.kind, text=event.text, url=event.url)


def _open_room(event: events.GroupOpened) -> None:
    get_or_create_group_room(group=event.group)


def _end_room_sockets(event: events.MembershipEnded) -> None:
    transaction.on_commit(
        lambda: end_group_membership_sockets(group_id=event.group_id, user_id=event.user_id)
    )


def _refresh_access(event: events.MemberAccessChanged) -> None:
    transaction.on_commit(lambda: refresh_user_access(user_id=event.user_id))


def _open_support_thread(event: events.SupportRequestAccepted) -> None:
    create_support_conversation(support_request=event.support_request)


def _hand_over_support_thread(event: events.SupportRequestHandedOver) -> None:
    conversation = Conversation.objects.filter(support_request=event.support_request).first()
    if conversation is not None:
        set_support_advocate(conversation=conversation, advocate_id=event.advocate_user_id)


def _export_messages(event: events.MemberDataExported) -> None:
    event.files["messages.json"] = messages_written_by(user_id=event.user.pk)
    event.files["notifications.json"] = notifications_of(recipient_id=event.user.pk)


def _erase_messages(event: events.MemberAccountDeleting) -> None:
    if event.delete_contributions:
        erase_messages_of(user_id=event.user_id)


events.subscribe(events.MemberNotified, _notify)
events.subscribe(events.GroupOpened, _open_room)
events.subscribe(events.MembershipEnded, _end_room_sockets)
events.subscribe(events.MemberAccessChanged, _refresh_access)
events.subscribe(events.SupportRequestAccepted, _open_support_thread)
events.subscribe(events.SupportRequestHandedOver, _hand_over_support_thread)
events.subscribe(events.MemberDataExported, _export_messages)
events.subscribe(events.MemberAccountDeleting, _erase_messages)
