"""Reads for conversations and messages. Every function that returns messages filters by what
the viewer may see (history policy, blocks) and never exposes more than a pseudonym."""

from django.db.models import Count, F, Q

from community.models import Group, Membership
from community.sanitize import render_plain
from messaging.models import Conversation, ConversationParticipant, Message, PresenceSocket

HISTORY_PAGE_SIZE = 50
RESUME_LIMIT = 500


def get_conversation(*, conversation_id: int) -> Conversation | None:
    return Conversation.objects.select_related("group").filter(pk=conversation_id).first()


def get_participant(*, conversation_id: int, user_id: int) -> ConversationParticipant | None:
    return ConversationParticipant.objects.filter(
        conversation_id=conversation_id, user_id=user_id
    ).first()


def get_room_membership(*, conversation: Conversation, user_id: int) -> Membership | None:
    """The active membership that lets `user_id` into this room, or None."""
    return Membership.objects.filter(
        group_id=conversation.group_id,
        user_id=user_id,
        state=Membership.State.ACTIVE,
        group__status=Group.Status.ACTIVE,
    ).first()


def get_direct_conversation(*, user_id: int, other_user_id: int) -> Conversation | None:
    return Conversation.objects.filter(direct_key=direct_key_for(user_id, other_user_id)).first()


def direct_key_for(first_user_id: int, second_user_id: int) -> str:
    low, high = sorted([first_user_id, second_user_id])
    return f"{low}:{high}"


def _visible_messages(*, conversation: Conversation, visible_since=None, hidden_author_ids=()):
    messages = Message.objects.filter(conversation_id=conversation.pk).select_related(
        "sender__profile"
    )
    if visible_since is not None:
        messages = messages.filter(created_at__gte=visible_since)
    if hidden_author_ids:
        messages = messages.exclude(sender_id__in=list(hidden_author_ids))
    return messages


def messages_before(
    *,
    conversation: Conversation,
    before_id: int | None = None,
    limit: int = HISTORY_PAGE_SIZE,
    visible_since=None,
    hidden_author_ids=(),
) -> tuple[list[Message], bool]:
    """One page of history going backwards by id, oldest first, and whether more exist."""
    messages = _visible_messages(
        conversation=conversation,
        visible_since=visible_since,
        hidden_author_ids=hidden_author_ids,
    )
    if before_id:
        messages = messages.filter(pk__lt=before_id)
    page = list(messages.order_by("-pk")[: limit + 1])
    has_more = len(page) > limit
    return list(reversed(page[:limit])), has_more


def messages_after(
    *,
    conversation: Conversation,
    after_id: int,
    limit: int = RESUME_LIMIT,
    visible_since=None,
    hidden_author_ids=(),
) -> list[Message]:
    """Everything after `after_id`, oldest first: what a reconnecting client missed."""
    messages = _visible_messages(
        conversation=conversation,
        visible_since=visible_since,
        hidden_author_ids=hidden_author_ids,
    )
    return list(messages.filter(pk__gt=after_id).order_by("pk")[:limit])


_LOOK_UP = object()


def support_alias(*, conversation_id: int) -> tuple[int, str] | None:
    """(member id, alias) when the member of a support thread chose a one-off alias: they must
    then appear by that alias only, never by pseudonym, public id or avatar."""
    try:
        from community.selectors.advocates import support_aliases_by_conversation
    except ImportError:
        return None
    return support_aliases_by_conversation(conversation_ids=[conversation_id]).get(conversation_id)


def alias_public_id(conversation_id: int) -> str:
    """What stands in for an aliased member's public id inside one support thread."""
    return f"alias-{conversation_id}"


def serialize_message(message: Message, *, alias=_LOOK_UP) -> dict:
    """The message as every client sees it. Only the pseudonym, public id and avatar seed of
    the sender (or a support thread's alias); deleted and hidden messages keep their place as
    tombstones without a body. Pass `alias` (from support_alias, or None) when serialising
    many messages of one conversation, so it is looked up once."""
    if alias is _LOOK_UP:
        alias = support_alias(conversation_id=message.conversation_id)
    profile = getattr(message.sender, "profile", None) if message.sender_id else None
    tombstone = message.deleted_at is not None or message.hidden_at is not None
    if alias is not None and message.sender_id == alias[0]:
        sender = {
            "public_id": alias_public_id(message.conversation_id),
            "pseudonym": alias[1],
            "avatar_seed": None,
        }
    elif profile is not None:
        sender = {
            "public_id": profile.public_id,
            "pseudonym": profile.pseudonym,
            "avatar_seed": profile.avatar_seed,
        }
    else:
        sender = None
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "client_id": message.client_id,
        "sender": sender,
        "body": "" if tombstone else message.body,
        "html": "" if tombstone else str(render_plain(message.body)),
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": message.deleted_at is not None,
        "hidden": message.hidden_at is not None,
    }


def present_members(*, conversation_id: int) -> list[dict]:
    """Who is in the room now, by pseudonym; members appearing offline have no rows at all."""
    rows = (
        PresenceSocket.objects.filter(conversation_id=conversation_id)
        .values("user__profile__public_id", "user__profile__pseudonym")
        .distinct()
        .order_by("user__profile__pseudonym")
    )
    return [
        {"public_id": row["user__profile__public_id"], "pseudonym": row["user__profile__pseudonym"]}
        for row in rows
    ]


def member_presence(*, conversation_id: int, user_id: int) -> dict:
    from community.models import Profile

    profile = Profile.objects.only("public_id", "pseudonym").get(user_id=user_id)
    return {
        "member": {"public_id": profile.public_id, "pseudonym": profile.pseudonym},
        "present": PresenceSocket.objects.filter(
            conversation_id=conversation_id, user_id=user_id
        ).exists(),
    }


def conversations_with_unread(*, user_id: int, kind: str) -> list[ConversationParticipant]:
    """The viewer's accepted conversations of one kind with an `unread` count each, in one
    query whatever their number."""
    return list(
        ConversationParticipant.objects.filter(
            user_id=user_id,
            state=ConversationParticipant.State.ACCEPTED,
            conversation__kind=kind,
        )
        .select_related("conversation__group")
        .annotate(
            unread=Count(
                "conversation__messages",
                filter=Q(conversation__messages__pk__gt=F("last_read_message_id"))
                & ~Q(conversation__messages__sender_id=user_id)
                & Q(conversation__messages__deleted_at__isnull=True)
                & Q(conversation__messages__hidden_at__isnull=True),
            )
        )
        .order_by("-conversation__pk")
    )


def direct_threads(*, user_id: int) -> list[dict]:
    """The viewer's direct conversations with the other member's profile and unread count."""
    parts = conversations_with_unread(user_id=user_id, kind=Conversation.Kind.DIRECT)
    others = {
        other.conversation_id: other
        for other in ConversationParticipant.objects.filter(
            conversation_id__in=[part.conversation_id for part in parts]
        )
        .exclude(user_id=user_id)
        .select_related("user__profile")
    }
    return [{"participant": part, "other": others.get(part.conversation_id)} for part in parts]


def message_requests(*, user_id: int) -> list[ConversationParticipant]:
    """Direct conversations someone new started with the viewer, awaiting accept or decline."""
    return list(
        ConversationParticipant.objects.filter(
            user_id=user_id,
            state=ConversationParticipant.State.REQUESTED,
            conversation__kind=Conversation.Kind.DIRECT,
        )
        .select_related("conversation")
        .order_by("-conversation__pk")
    )


def request_senders(*, requests: list[ConversationParticipant], user_id: int) -> dict[int, object]:
    """conversation id → the requesting member's Profile, in one query."""
    rows = (
        ConversationParticipant.objects.filter(
            conversation_id__in=[request.conversation_id for request in requests]
        )
        .exclude(user_id=user_id)
        .select_related("user__profile")
    )
    return {row.conversation_id: row.user.profile for row in rows}


def first_messages(*, conversation_ids: list[int]) -> dict[int, Message]:
    """The opening message of each conversation (a request's preview), in one query."""
    from django.db.models import Min

    first_ids = (
        Message.objects.filter(conversation_id__in=conversation_ids, deleted_at__isnull=True)
        .values("conversation_id")
        .annotate(first_id=Min("pk"))
        .values("first_id")
    )
    return {
        message.conversation_id: message
        for message in Message.objects.filter(pk__in=first_ids).only(
            "pk", "conversation_id", "body"
        )
    }


def my_rooms(*, user_id: int) -> list[dict]:
    """Every group the viewer is an active member of, with its room's unread count (0 until the
    viewer has opened the room once), in two queries whatever their number."""
    unread_by_group = {
        part.conversation.group_id: part.unread
        for part in conversations_with_unread(user_id=user_id, kind=Conversation.Kind.ROOM)
    }
    memberships = (
        Membership.objects.filter(
            user_id=user_id, state=Membership.State.ACTIVE, group__status=Group.Status.ACTIVE
        )
        .select_related("group")
        .order_by("group__name")
    )
    return [
        {"group": membership.group, "unread": unread_by_group.get(membership.group_id, 0)}
        for membership in memberships
    ]
