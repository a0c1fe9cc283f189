"""The inbox (issue 13, "Lists that scan"): each conversation with its name, its unread count,
and its last message as the viewer may see it (time and a short excerpt), newest activity
first. A fixed number of queries whatever the number of conversations.

The last message follows the rule every page and frame follows (`ViewerFilter`): a blocked or
muted author's messages are never the excerpt, nor move a conversation up; a group that shows
newcomers only what came after they joined shows nothing older. A deleted or hidden message
stays a tombstone: its time, never its text."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from community.models import Group, Membership
from community.restrictions import hidden_author_ids
from community.sanitize import shorten_text
from messaging.models import Conversation, ConversationParticipant, Message
from messaging.permissions import ViewerFilter
from messaging.selectors.conversations import participations_with_unread

INBOX_EXCERPT_LENGTH = 90


@dataclass(frozen=True)
class LastMessage:
    """What the inbox shows of a conversation's last message: never a tombstone's text."""

    at: datetime
    is_own: bool
    deleted: bool
    hidden: bool
    content_warning: str
    excerpt: str

    @classmethod
    def of(cls, message: Message, *, viewer_id: int) -> "LastMessage":
        tombstone = message.deleted_at is not None or message.hidden_at is not None
        return cls(
            at=message.created_at,
            is_own=message.sender_id is not None and message.sender_id == viewer_id,
            deleted=message.deleted_at is not None,
            hidden=message.deleted_at is None and message.hidden_at is not None,
            content_warning="" if tombstone else message.content_warning,
            excerpt=""
            if tombstone or message.content_warning
            else shorten_text(message.body, length=INBOX_EXCERPT_LENGTH),
        )


@dataclass(frozen=True)
class InboxItem:
    # None for a group whose room does not exist yet (the live badge then has nothing to track).
    conversation_id: int | None
    url: str
    # The other member's pseudonym, the group's name; empty for a support conversation or a
    # former member (the template names those).
    name: str
    unread: int
    last: LastMessage | None
    is_room: bool = False
    # Support conversations are numbered in the order they began: the number stays put when
    # the list reorders by activity.
    number: int = 0


@dataclass(frozen=True)
class Inbox:
    direct: list[InboxItem]
    rooms: list[InboxItem]
    support: list[InboxItem]


def _last_visible_message_id(*, conversation, hidden: set[int], since=None):
    """A subquery: the id of the newest message of `conversation` (an OuterRef) the viewer may
    see, tombstones included; with `since` (an expression), none older than it."""
    # The blocks and mutes through ViewerFilter, their one home; "since joining" differs per
    # room, so it comes as an expression on the outer row (ViewerFilter's `visible_since`
    # would be one date for all).
    messages = ViewerFilter(hidden_author_ids=frozenset(hidden)).restrict(
        Message.objects.filter(conversation_id=conversation)
    )
    if since is not None:
        messages = messages.filter(since)
    return Subquery(messages.order_by("-seq").values("pk")[:1])


def _by_activity(items: list[InboxItem]) -> list[InboxItem]:
    """Newest last message first; conversations with none the viewer may see keep their
    order, after the others."""
    with_last = sorted((item for item in items if item.last), key=lambda i: i.last.at, reverse=True)
    return with_last + [item for item in items if not item.last]


def inbox(*, user_id: int) -> Inbox:
    """Seven queries: blocks and mutes, direct conversations, their other members, support
    conversations, rooms' unread counts, the viewer's groups, the last messages."""
    hidden = set(hidden_author_ids(viewer_id=user_id))
    last_id = _last_visible_message_id(conversation=OuterRef("conversation_id"), hidden=hidden)
    direct = list(
        participations_with_unread(user_id=user_id, kind=Conversation.Kind.DIRECT).annotate(
            last_message_id=last_id
        )
    )
    others = {
        other.conversation_id: other
        for other in ConversationParticipant.objects.filter(
            conversation_id__in=[part.conversation_id for part in direct]
        )
        .exclude(user_id=user_id)
        .select_related("user__profile")
    }
    support = list(
        participations_with_unread(user_id=user_id, kind=Conversation.Kind.SUPPORT).annotate(
            last_message_id=last_id
        )
    )
    unread_by_group = {
        part.conversation.group_id: part.unread
        for part in participations_with_unread(user_id=user_id, kind=Conversation.Kind.ROOM)
    }
    since_joining = Q(conversation__group__history_policy=Group.HistoryPolicy.EVERYTHING) | Q(
        created_at__gte=OuterRef("joined_at")
    )
    memberships = list(
        Membership.objects.filter(
            user_id=user_id, state=Membership.State.ACTIVE, group__status=Group.Status.ACTIVE
        )
        .select_related("group__room")
        .annotate(
            last_message_id=_last_visible_message_id(
                conversation=OuterRef("group__room"), hidden=hidden, since=since_joining
            )
        )
        .order_by("group__name")
    )
    last_ids = [row.last_message_id for row in [*direct, *support, *memberships]]
    last = {
        message.pk: LastMessage.of(message, viewer_id=user_id)
        for message in Message.objects.filter(
            pk__in=[pk for pk in last_ids if pk is not None]
        ).only(
            "pk", "sender_id", "body", "content_warning", "created_at", "deleted_at", "hidden_at"
        )
    }

    def name_of(part) -> str:
        other = others.get(part.conversation_id)
        profile = getattr(other.user, "profile", None) if other and other.user_id else None
        return profile.pseudonym if profile is not None else ""

    oldest_first = sorted(support, key=lambda part: part.conversation_id)
    return Inbox(
        direct=_by_activity(
            [
                InboxItem(
                    conversation_id=part.conversation_id,
                    url=reverse("messaging:conversation", args=[part.conversation_id]),
                    name=name_of(part),
                    unread=part.unread,
                    last=last.get(part.last_message_id),
                )
                for part in direct
            ]
        ),
        support=_by_activity(
            [
                InboxItem(
                    conversation_id=part.conversation_id,
                    url=reverse("messaging:conversation", args=[part.conversation_id]),
                    name="",
                    unread=part.unread,
                    last=last.get(part.last_message_id),
                    number=number,
                )
                for number, part in enumerate(oldest_first, start=1)
            ]
        ),
        rooms=_by_activity(
            [
                InboxItem(
                    conversation_id=getattr(getattr(row.group, "room", None), "pk", None),
                    url=reverse("messaging:room", args=[row.group.slug]),
                    name=row.group.name,
                    unread=unread_by_group.get(row.group_id, 0),
                    last=last.get(row.last_message_id),
                    is_room=True,
                )
                for row in memberships
            ]
        ),
    )
