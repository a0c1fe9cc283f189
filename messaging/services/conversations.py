"""Writes for conversations and messages.

Every write is atomic and is announced with `transaction.on_commit`, so a socket never hears
of a row that may roll back; the acknowledgement a sender gets carries the committed id and
stream position. Every new message and every change to one takes the conversation's next
stream position in the same transaction (`store_message`, `change_message`): positions
increase in commit order, which is the order every viewer receives them in.
"""

import json
import math
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.before_you_send import hold_back_if_identifying, words_for
from messaging.errors import MessagingDenied, denied
from messaging.limits import check_send_limits
from messaging.models import Conversation, ConversationParticipant, Message
from messaging.permissions import (
    ConversationAccess,
    check_change_message,
    check_may_ask_again,
    check_may_start_direct,
    check_post_message,
    get_conversation_access_or_404,
)
from messaging.selectors.conversations import (
    conversation_position,
    direct_key_for,
    message_envelope,
    message_sender,
)
from messaging.selectors.mentions import (
    MentionableMember,
    may_mention,
    mentionable_members,
    mentionable_names,
    mentioned_members,
)
from messaging.selectors.sessions import SessionProof, require_session
from messaging.services import realtime
from messaging.services.mentions import record_mentions
from messaging.services.notifications import mark_notifications_read, notify
from messaging.services.unread import announce_unread, announce_unread_to_others

MAX_MESSAGE_LENGTH = 4000
MAX_CLIENT_ID_LENGTH = 64
MAX_CONTENT_WARNING_LENGTH = 200
EDIT_WINDOW = timedelta(minutes=15)


def get_or_create_group_room(*, group) -> Conversation:
    conversation, _created = Conversation.objects.get_or_create(
        group=group, defaults={"kind": Conversation.Kind.ROOM}
    )
    return conversation


def create_support_conversation(*, support_request) -> Conversation:
    """The private thread of an accepted support request, between its member and advocate."""
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=Conversation.Kind.SUPPORT, support_request=support_request
        )
        ConversationParticipant.objects.bulk_create(
            [
                ConversationParticipant(conversation=conversation, user_id=user_id)
                for user_id in (support_request.member_id, support_request.advocate_id)
            ]
        )
    return conversation


def set_support_advocate(*, conversation: Conversation, advocate_id: int) -> None:
    """Handover: every other advocate leaves (their open sockets on it close) and the new one
    joins. The member who asked for support is the participant who is not an advocate being
    replaced, so callers pass the conversation and the new advocate only."""
    with transaction.atomic():
        parts = list(
            ConversationParticipant.objects.select_for_update()
            .filter(conversation=conversation, state=ConversationParticipant.State.ACCEPTED)
            .order_by("pk")
        )
        # The member is the first participant, created first by create_support_conversation.
        leaving = [part for part in parts[1:] if part.user_id != advocate_id]
        for part in leaving:
            part.state = ConversationParticipant.State.LEFT
            part.save(update_fields=["state"])
        ConversationParticipant.objects.update_or_create(
            conversation=conversation,
            user_id=advocate_id,
            defaults={"state": ConversationParticipant.State.ACCEPTED},
        )
        for part in leaving:
            transaction.on_commit(
                lambda user_id=part.user_id: realtime.end_conversation_sockets(
                    conversation_id=conversation.pk, user_id=user_id
                )
            )


def clean_body(body) -> str:
    if not isinstance(body, str):
        raise denied("empty")
    body = body.strip()
    if not body:
        raise denied("empty")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise denied("too_long")
    return body


def clean_content_warning(content_warning) -> str:
    """A message's optional content warning: absent or blank means none."""
    if content_warning is None:
        return ""
    if not isinstance(content_warning, str):
        raise denied("invalid")
    content_warning = " ".join(content_warning.split())
    if len(content_warning) > MAX_CONTENT_WARNING_LENGTH:
        raise denied("content_warning_too_long")
    return content_warning


def checked_text(*, body: str, content_warning: str) -> str:
    """What "before you send" reads: the warning is shown to everyone too."""
    return f"{content_warning}\n{body}" if content_warning else body


def check_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID_LENGTH:
        raise denied("invalid")
    return client_id


def post_message(
    *,
    access: ConversationAccess,
    sender,
    body: str,
    client_id: str,
    content_warning: str = "",
    confirmed: bool = False,
) -> Message:
    """Stores a message once per (conversation, sender, client_id) and announces it after
    commit. Resending with the same client_id returns the stored message and announces nothing.
    Raises MessagingDenied (with a code) when the sender may not post, and HeldBack when the
    text would identify the sender and they have not confirmed it (community.before_you_send;
    a held-back message counts against no limit).

    `access` is the sender's current access (get_conversation_access_or_404); a socket passes
    the one it keeps up to date, so a room message costs no access query here."""
    client_id = check_client_id(client_id)
    body = clean_body(body)
    content_warning = clean_content_warning(content_warning)
    check_post_message(access=access, body=body)
    members = (
        mentionable_members(access=access, user=sender)
        if may_mention(access=access, text=body)
        else []
    )
    hold_back_if_identifying(
        text=checked_text(body=body, content_warning=content_warning),
        user=sender,
        confirmed=confirmed,
        words=words_for(
            user=sender,
            group_id=access.group_id,
            mentionable=mentionable_names(candidates=members, user=sender) if members else (),
        ),
    )
    mentioned = mentioned_members(text=body, members=members)
    try:
        check_send_limits(access=access)
    except MessagingDenied:
        # A resend of a message already stored is answered, whatever the limits say now.
        existing = _existing(
            conversation_id=access.conversation.pk, sender_id=sender.pk, client_id=client_id
        )
        if existing is None:
            raise
        return existing
    message, created = store_message(
        conversation_id=access.conversation.pk,
        sender=sender,
        body=body,
        client_id=client_id,
        content_warning=content_warning,
        as_moderator=access.as_moderator,
        mentions=_public_ids(mentioned),
    )
    return _announced(message, access, mentioned=mentioned) if created else message


def _public_ids(mentioned: list[MentionableMember]) -> list[str] | None:
    # None, not [], for a message without mentions: what every older row holds.
    return [member.public_id for member in mentioned] or None


def post_message_from_socket(
    *,
    access: ConversationAccess,
    sender,
    body: str,
    client_id: str,
    proof: SessionProof,
    content_warning: str = "",
) -> tuple[Message, SessionProof]:
    """A socket's send, on the database thread (its "before you send" check ran and its
    limits were counted on the event loop, messaging.consumers):
    like `post_message`, and it checks the socket's session in the same breath. On
    PostgreSQL that is one statement, one round trip: the insert happens only if the session
    row and the account are as `proof` found them. Returns the message and the proof to keep
    (a new one when the session's data changed meanwhile). Raises SessionEnded."""
    client_id = check_client_id(client_id)
    body = clean_body(body)
    content_warning = clean_content_warning(content_warning)
    check_post_message(access=access, body=body)
    mentioned = (
        mentioned_members(text=body, members=mentionable_members(access=access, user=sender))
        if may_mention(access=access, text=body)
        else []
    )
    if _one_statement_possible() and proof.data_digest:
        row = _insert_with_next_seq(
            conversation_id=access.conversation.pk,
            sender_id=sender.pk,
            body=body,
            client_id=client_id,
            content_warning=content_warning,
            as_moderator=access.as_moderator,
            created_at=timezone.now(),
            mentions=_public_ids(mentioned),
            proof=proof,
        )
        if row is not None:
            built = _built_message(row, access, sender, body, client_id, content_warning)
            built.mentions = _public_ids(mentioned)
            return _announced(built, access, mentioned=mentioned), proof
        # Nothing stored: the session's data changed (or it ended), or this is a resend.
    proof = require_session(session_key=proof.session_key, user_id=sender.pk)
    message, created = store_message(
        conversation_id=access.conversation.pk,
        sender=sender,
        body=body,
        client_id=client_id,
        content_warning=content_warning,
        as_moderator=access.as_moderator,
        mentions=_public_ids(mentioned),
    )
    return (_announced(message, access, mentioned=mentioned) if created else message), proof


def find_stored_message(*, conversation_id: int, sender_id: int, client_id: str):
    """The message a resend (same client id) refers to, if it was stored."""
    return _existing(conversation_id=conversation_id, sender_id=sender_id, client_id=client_id)


def _announced(
    message: Message, access: ConversationAccess, *, mentioned: list[MentionableMember] = ()
) -> Message:
    """A new message: to everyone joined, then to whoever's unread counts it changes (the
    mentioned members of a room; the other participants of a direct or support thread)."""
    envelope = message_envelope(message, alias=access.alias)
    transaction.on_commit(lambda: realtime.publish_stream_event(envelope))
    if access.conversation.kind != Conversation.Kind.ROOM:
        transaction.on_commit(
            lambda: announce_unread_to_others(
                conversation_id=message.conversation_id, sender_id=message.sender_id
            )
        )
    elif mentioned:
        record_mentions(
            message=message,
            access=access,
            mentioned=list(mentioned),
            sender_name=_sender_name(message, access),
            new_message=True,
        )
    return message


def _sender_name(message: Message, access: ConversationAccess) -> str:
    sender = message_sender(message, alias=access.alias)
    return sender["pseudonym"] if sender is not None else _("Someone")


def store_message(
    *,
    conversation_id: int,
    sender,
    body: str,
    client_id: str,
    content_warning: str = "",
    as_moderator: bool = False,
    mentions: list[str] | None = None,
) -> tuple[Message, bool]:
    """The write under every message: takes the conversation's next stream position and
    inserts the row, atomically, so positions increase in commit order. Returns (message,
    created); a (sender, client_id) already stored returns the stored message."""
    now = timezone.now()
    if _one_statement_possible():
        row = _insert_with_next_seq(
            conversation_id=conversation_id,
            sender_id=sender.pk,
            body=body,
            client_id=client_id,
            content_warning=content_warning,
            as_moderator=as_moderator,
            created_at=now,
            mentions=mentions,
        )
        if row is None:
            return _existing_or_raise(conversation_id, sender.pk, client_id), False
        message = Message(
            pk=row[0],
            conversation_id=conversation_id,
            sender=sender,
            body=body,
            client_id=client_id,
            content_warning=content_warning,
            created_at=now,
            as_moderator=as_moderator,
            mentions=mentions,
            seq=row[1],
            changed_seq=row[1],
        )
        message._state.adding = False
        return message, True
    try:
        with transaction.atomic():
            seq = _next_seq(conversation_id=conversation_id)
            message = Message.objects.create(
                conversation_id=conversation_id,
                sender=sender,
                body=body,
                client_id=client_id,
                content_warning=content_warning,
                created_at=now,
                as_moderator=as_moderator,
                mentions=mentions,
                seq=seq,
                changed_seq=seq,
            )
    except IntegrityError:
        # The same client_id was stored before (or at the same moment); the first one won and
        # the position taken here was rolled back with the rest.
        return _existing_or_raise(conversation_id, sender.pk, client_id), False
    return message, True


def _built_message(row, access, sender, body, client_id, content_warning) -> Message:
    message_id, seq, created_at = row
    message = Message(
        pk=message_id,
        conversation_id=access.conversation.pk,
        sender=sender,
        body=body,
        client_id=client_id,
        content_warning=content_warning,
        created_at=created_at,
        as_moderator=access.as_moderator,
        seq=seq,
        changed_seq=seq,
    )
    message._state.adding = False
    return message


def _one_statement_possible() -> bool:
    # PostgreSQL in autocommit: the statement is its own transaction (no BEGIN trip).
    return connection.vendor == "postgresql" and not connection.in_atomic_block


_SESSION_HOLDS = """
    EXISTS (
        SELECT 1 FROM django_session AS s, community_user AS u
        WHERE s.session_key = %(session_key)s AND s.expire_date > %(created_at)s
          AND md5(s.session_data) = %(session_digest)s
          AND u.id = %(sender_id)s AND u.is_active AND u.password = %(password)s
    )"""

_INSERT_WITH_NEXT_SEQ = """
WITH next AS (
    UPDATE messaging_conversation SET last_seq = last_seq + 1
    WHERE id = %(conversation_id)s AND {session_holds} AND NOT EXISTS (
        SELECT 1 FROM messaging_message
        WHERE conversation_id = %(conversation_id)s AND sender_id = %(sender_id)s
          AND client_id = %(client_id)s
    )
    RETURNING last_seq
)
INSERT INTO messaging_message (
    conversation_id, sender_id, body, content_warning, client_id, created_at, edited_at,
    deleted_at, hidden_at, as_moderator, mentions, seq, changed_seq
)
SELECT %(conversation_id)s, %(sender_id)s, %(body)s, %(content_warning)s, %(client_id)s,
       %(created_at)s, NULL, NULL, NULL, %(as_moderator)s, %(mentions)s::jsonb,
       next.last_seq, next.last_seq
FROM next
ON CONFLICT (conversation_id, sender_id, client_id) DO NOTHING
RETURNING id, seq, created_at
"""


def _insert_with_next_seq(
    *, proof: SessionProof | None = None, mentions: list[str] | None = None, **values
) -> tuple | None:
    """PostgreSQL, outside a transaction: one statement, one round trip. The UPDATE holds the
    conversation row's lock until this statement commits, so the next sender's position is
    taken only after this one is visible. With `proof`, the row is written only if the
    sender's session still holds as the proof found it. A racing duplicate can leave a
    position unused; the stream reports such a position as a `skip` (docs/protocol.md)."""
    if proof is not None:
        sql = _INSERT_WITH_NEXT_SEQ.format(session_holds=_SESSION_HOLDS)
        values |= {
            "session_key": proof.session_key,
            "session_digest": proof.data_digest,
            "password": proof.password,
        }
    else:
        sql = _INSERT_WITH_NEXT_SEQ.format(session_holds="TRUE")
    values["mentions"] = json.dumps(mentions) if mentions else None
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone()


def _next_seq(*, conversation_id: int) -> int:
    """The next stream position, taken under the conversation row's lock until the caller's
    transaction ends. Call inside `transaction.atomic()`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE messaging_conversation SET last_seq = last_seq + 1 WHERE id = %s "
            "RETURNING last_seq",
            [conversation_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise denied("not_found")
    return row[0]


def _existing(*, conversation_id: int, sender_id: int, client_id: str) -> Message | None:
    return (
        Message.objects.select_related("sender__profile")
        .filter(conversation_id=conversation_id, sender_id=sender_id, client_id=client_id)
        .first()
    )


def _existing_or_raise(conversation_id: int, sender_id: int, client_id: str) -> Message:
    existing = _existing(conversation_id=conversation_id, sender_id=sender_id, client_id=client_id)
    if existing is None:
        raise denied("server_error")
    return existing


def change_message(*, message: Message, fields: dict) -> Message:
    """The one way a stored message changes (an edit, a deletion, a moderator's hide, unhide
    or redaction, an account's erasure): the new state takes the next stream position and is
    announced to every viewer the rule allows (messaging.permissions.ViewerFilter), after
    commit. Runs in its own transaction, or in the caller's."""
    with transaction.atomic():
        seq = _next_seq(conversation_id=message.conversation_id)
        for name, value in fields.items():
            setattr(message, name, value)
        message.changed_seq = seq
        message.save(update_fields=[*fields, "changed_seq"])
        envelope = message_envelope(message)
        transaction.on_commit(lambda: realtime.publish_stream_event(envelope))
    return message


def _message_for_change(*, message_id: int, actor) -> tuple[Message, ConversationAccess]:
    message = Message.objects.select_related("sender__profile").filter(pk=message_id).first()
    if message is None:
        raise denied("not_found")
    access = get_conversation_access_or_404(user=actor, conversation_id=message.conversation_id)
    check_change_message(access=access, message=message, window=EDIT_WINDOW)
    return message, access


def edit_message(
    *, message_id: int, editor, body: str, content_warning=None, confirmed: bool = False
) -> Message:
    """The author's edit, within the edit window; held back (HeldBack) like a new message.
    The content warning changes only when one is given ("" removes it)."""
    body = clean_body(body)
    fields = {"body": body, "edited_at": timezone.now()}
    if content_warning is not None:
        fields["content_warning"] = clean_content_warning(content_warning)
    message, access = _message_for_change(message_id=message_id, actor=editor)
    members = (
        mentionable_members(access=access, user=editor, visible_at=message.created_at)
        if may_mention(access=access, text=body)
        else []
    )
    hold_back_if_identifying(
        text=checked_text(
            body=body, content_warning=fields.get("content_warning", message.content_warning)
        ),
        user=editor,
        confirmed=confirmed,
        words=words_for(
            user=editor,
            group_id=access.group_id,
            mentionable=mentionable_names(candidates=members, user=editor) if members else (),
        ),
    )
    mentioned = mentioned_members(text=body, members=members)
    if mentioned or message.mentions:
        fields["mentions"] = _public_ids(mentioned)
    with transaction.atomic():
        message = change_message(message=message, fields=fields)
        if access.conversation.kind == Conversation.Kind.ROOM:
            record_mentions(
                message=message,
                access=access,
                mentioned=mentioned,
                sender_name=_sender_name(message, access),
                new_message=False,
            )
    return message


def delete_message(*, message_id: int, actor) -> Message:
    """Leaves a tombstone: the row keeps its id and place, the body is gone for good."""
    message, _access = _message_for_change(message_id=message_id, actor=actor)
    return change_message(
        message=message, fields={"body": "", "content_warning": "", "deleted_at": timezone.now()}
    )


def hide_message(*, message: Message) -> Message:
    """Moderation: a tombstone for everyone until a moderator decides (or unhides)."""
    return change_message(message=message, fields={"hidden_at": timezone.now()})


def unhide_message(*, message: Message) -> Message:
    return change_message(message=message, fields={"hidden_at": None})


def remove_message(*, message: Message) -> Message:
    """Moderation's deletion: the text stays for the audit trail, shown as a tombstone."""
    return change_message(message=message, fields={"deleted_at": timezone.now()})


def redact_message(*, message: Message, text: str) -> Message:
    """Moderation keeps the message but replaces what identified someone."""
    return change_message(
        message=message, fields={"body": text, "edited_at": timezone.now(), "hidden_at": None}
    )


def erase_messages_of(*, user_id: int) -> int:
    """Account deletion: every message the member wrote becomes a tombstone, each announced
    like any deletion so open pages and resuming clients drop the text."""
    now = timezone.now()
    erased = 0
    for message in Message.objects.filter(sender_id=user_id, deleted_at__isnull=True).order_by(
        "conversation_id", "seq"
    ):
        change_message(
            message=message, fields={"body": "", "content_warning": "", "deleted_at": now}
        )
        erased += 1
    return erased


def start_direct_conversation(
    *, sender, recipient, body: str, client_id: str, confirmed: bool = False
) -> Message:
    """The first message to someone: a message request the recipient accepts or declines,
    in their filtered list when it comes from a new account or someone who shares no group
    with them (decision 0009). If a thread between the two already exists, the message goes
    into it; if the recipient declined it, the sender may ask again only after the cooldown.
    A message held back (HeldBack) opens nothing and tells the recipient nothing."""
    hold_back_if_identifying(text=clean_body(body), user=sender, confirmed=confirmed)
    with transaction.atomic():
        key = direct_key_for(sender.pk, recipient.pk)
        conversation = Conversation.objects.select_for_update().filter(direct_key=key).first()
        if conversation is None:
            filtered = check_may_start_direct(sender=sender, recipient=recipient)
            clean_body(body)
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key
            )
            ConversationParticipant.objects.bulk_create(
                [
                    ConversationParticipant(conversation=conversation, user=sender),
                    ConversationParticipant(
                        conversation=conversation,
                        user=recipient,
                        state=ConversationParticipant.State.REQUESTED,
                        filtered=filtered,
                        requested_at=timezone.now(),
                    ),
                ]
            )
            _tell_of_request(recipient_id=recipient.pk, filtered=filtered)
        else:
            _ask_again_if_declined(conversation=conversation, sender=sender, recipient=recipient)
        access = get_conversation_access_or_404(user=sender, conversation_id=conversation.pk)
        # Checked above, before anything was opened.
        return post_message(
            access=access, sender=sender, body=body, client_id=client_id, confirmed=True
        )


def _tell_of_request(*, recipient_id: int, filtered: bool) -> None:
    # A filtered request waits in its list without a notice: an unknown account cannot make
    # anyone's bell ring.
    if filtered:
        return
    notify(
        recipient_id=recipient_id,
        kind="message_request",
        text=lambda: _("You have a new message request."),
        url=reverse("messaging:requests"),
    )


def _ask_again_if_declined(*, conversation: Conversation, sender, recipient) -> None:
    parts = {
        part.user_id: part
        for part in ConversationParticipant.objects.select_for_update().filter(
            conversation=conversation
        )
    }
    mine, theirs = parts.get(sender.pk), parts.get(recipient.pk)
    if mine is not None and mine.state == ConversationParticipant.State.DECLINED:
        # They once declined the other's request and now write themselves: that answers it.
        mine.state = ConversationParticipant.State.ACCEPTED
        mine.save(update_fields=["state"])
    if theirs is None or theirs.state != ConversationParticipant.State.DECLINED:
        return
    check_may_ask_again(declined_at=theirs.declined_at)
    theirs.filtered = check_may_start_direct(sender=sender, recipient=recipient)
    theirs.state = ConversationParticipant.State.REQUESTED
    theirs.requested_at = timezone.now()
    theirs.declined_at = None
    theirs.save(update_fields=["filtered", "state", "requested_at", "declined_at"])
    _tell_of_request(recipient_id=recipient.pk, filtered=theirs.filtered)


def request_cooldown_days() -> int:
    """How long a declined sender waits before asking again, in whole days (rounded up), as
    pages say it (KINDRED_MESSAGE_REQUEST_COOLDOWN; messaging.permissions enforces it)."""
    return math.ceil(settings.KINDRED_MESSAGE_REQUEST_COOLDOWN.total_seconds() / 86400)


def decline_request_consequences() -> list[str]:
    """What declining a message request does, as the confirmation step says it (the requests
    lists, and moderation's "decline and block")."""
    days = request_cooldown_days()
    return [
        _("The sender only sees that their message was not delivered, never that you declined."),
        ngettext(
            "They cannot send you a request again for %(days)d day. Declining cannot be undone.",
            "They cannot send you a request again for %(days)d days. Declining cannot be undone.",
            days,
        )
        % {"days": days},
    ]


def answer_message_request(*, conversation_id: int, user, accept: bool) -> ConversationParticipant:
    with transaction.atomic():
        participant = (
            ConversationParticipant.objects.select_for_update()
            .filter(
                conversation_id=conversation_id,
                user=user,
                state=ConversationParticipant.State.REQUESTED,
            )
            .first()
        )
        if participant is None:
            raise denied("not_found")
        if accept:
            participant.state = ConversationParticipant.State.ACCEPTED
        else:
            participant.state = ConversationParticipant.State.DECLINED
            participant.declined_at = timezone.now()
        participant.save(update_fields=["state", "declined_at"])
        _clear_request_notices_once_answered(user=user)
    return participant


def _clear_request_notices_once_answered(*, user) -> None:
    """A "new message request" notice is not tied to one request: it is done (read) once no
    request that rang the bell is waiting any more (filtered ones never ring it)."""
    waiting = ConversationParticipant.objects.filter(
        user=user,
        state=ConversationParticipant.State.REQUESTED,
        filtered=False,
        conversation__kind=Conversation.Kind.DIRECT,
    )
    if not waiting.exists():
        mark_notifications_read(recipient_id=user.pk, kind="message_request")


def decline_all_message_requests(*, user, filtered: bool) -> int:
    """Declines every request waiting in one of the member's two lists (the filtered one or
    the other) at once. Returns how many."""
    with transaction.atomic():
        declined = ConversationParticipant.objects.filter(
            user=user,
            state=ConversationParticipant.State.REQUESTED,
            filtered=filtered,
            conversation__kind=Conversation.Kind.DIRECT,
        ).update(state=ConversationParticipant.State.DECLINED, declined_at=timezone.now())
        _clear_request_notices_once_answered(user=user)
    return declined


def mark_conversation_read(*, access: ConversationAccess, user, seq: int) -> None:
    """Moves the viewer's read marker (unread counts) up to stream position `seq`, never back
    and never past the conversation's end."""
    conversation = access.conversation
    seq = min(seq, conversation_position(conversation_id=conversation.pk))
    participant, created = ConversationParticipant.objects.get_or_create(
        conversation_id=conversation.pk,
        user=user,
        defaults={"state": ConversationParticipant.State.ACCEPTED, "last_read_seq": seq},
    )
    if participant.last_read_seq < seq or created:
        moved = ConversationParticipant.objects.filter(
            pk=participant.pk, last_read_seq__lt=seq
        ).update(last_read_seq=seq)
        if moved or created:
            # Every open page of theirs shows the new counts (the inbox, the navigation).
            transaction.on_commit(
                lambda: announce_unread(conversation_id=conversation.pk, user_ids=[user.pk])
            )
