"""Reads for conversations and messages. Every function that returns messages filters by what
the viewer may see (history policy, blocks) and never exposes more than a pseudonym."""

from dataclasses import dataclass

from django.db.models import Count, Max
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import DirectMessagePolicy, Group, Membership, Profile, Reaction
from community.restrictions import hidden_author_ids
from community.sanitize import render_plain
from messaging.frames import encode_frame, stream_envelope
from messaging.models import Conversation, ConversationParticipant, Message, MessageReaction
from messaging.selectors.unread import unread_message_filter

HISTORY_PAGE_SIZE = 50
RESUME_LIMIT = 500
MODERATOR_NAME = gettext_lazy("Moderator")


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


def _messages_for(*, conversation_id: int, viewer):
    messages = Message.objects.filter(conversation_id=conversation_id).select_related(
        "sender__profile"
    )
    return viewer.restrict(messages) if viewer is not None else messages


def conversation_position(*, conversation_id: int) -> int:
    """The conversation's stream position now: every message and change up to it is
    committed (positions are taken under the conversation row's lock)."""
    return (
        Conversation.objects.filter(pk=conversation_id).values_list("last_seq", flat=True).first()
        or 0
    )


def conversation_positions(*, conversation_ids: list[int]) -> dict[int, int]:
    """conversation id → its stream position now, in one query."""
    return dict(Conversation.objects.filter(pk__in=conversation_ids).values_list("pk", "last_seq"))


def messages_before(
    *,
    conversation_id: int,
    viewer,
    before_seq: int | None = None,
    through_seq: int | None = None,
    limit: int = HISTORY_PAGE_SIZE,
) -> tuple[list[Message], bool]:
    """One page of history going backwards by place in the conversation, oldest first, and
    whether older ones exist. With `through_seq`, only states up to that stream position (a
    later change reaches the client live, carrying the whole message)."""
    messages = _messages_for(conversation_id=conversation_id, viewer=viewer)
    if before_seq:
        messages = messages.filter(seq__lt=before_seq)
    if through_seq is not None:
        messages = messages.filter(changed_seq__lte=through_seq)
    page = list(messages.order_by("-seq")[: limit + 1])
    has_more = len(page) > limit
    return list(reversed(page[:limit])), has_more


def messages_changed_between(
    *,
    conversation_id: int,
    viewer,
    after_seq: int,
    through_seq: int,
    limit: int = RESUME_LIMIT,
) -> list[Message]:
    """What a client holding stream position `after_seq` lacks, up to `through_seq`: every
    message created or changed in between, in its current state, in stream order."""
    messages = _messages_for(conversation_id=conversation_id, viewer=viewer)
    return list(
        messages.filter(changed_seq__gt=after_seq, changed_seq__lte=through_seq).order_by(
            "changed_seq"
        )[:limit]
    )


_LOOK_UP = object()


def support_alias(*, conversation_id: int) -> tuple[int, str] | None:
    """(member id, alias) when the member of a support thread chose a one-off alias: they must
    then appear by that alias only, never by pseudonym, public id or avatar. The one place
    the alias is looked up; `message_sender` applies it."""
    row = (
        Conversation.objects.filter(pk=conversation_id, kind=Conversation.Kind.SUPPORT)
        .exclude(support_request__alias="")
        .exclude(support_request__isnull=True)
        .values_list("support_request__member_id", "support_request__alias")
        .first()
    )
    return tuple(row) if row is not None else None


def alias_public_id(conversation_id: int) -> str:
    """What stands in for an aliased member's public id inside one support thread."""
    return f"alias-{conversation_id}"


def message_envelope(message: Message, *, alias=_LOOK_UP) -> dict:
    """The message's current state as a stream event at its `changed_seq`: `message` when it
    is new (never changed), `message.updated` otherwise."""
    frame_type = "message" if message.changed_seq == message.seq else "message.updated"
    return stream_envelope(
        conversation_id=message.conversation_id,
        seq=message.changed_seq,
        frame_type=frame_type,
        message=serialize_message(message, alias=alias),
        author_id=message.sender_id,
        created=message.created_at.timestamp(),
    )


def stream_envelopes_between(*, conversation_id: int, after_seq: int, through_seq: int) -> dict:
    """stream position → envelope, for the positions in (after_seq, through_seq] whose event
    is a message's current state (the fan-out fills a gap with these; a position without one
    was superseded or unused)."""
    messages = Message.objects.filter(
        conversation_id=conversation_id, changed_seq__gt=after_seq, changed_seq__lte=through_seq
    ).select_related("sender__profile")
    alias = support_alias(conversation_id=conversation_id)
    return {message.changed_seq: message_envelope(message, alias=alias) for message in messages}


def recent_message_states(*, conversation_id: int, through_seq: int, limit: int) -> list[tuple]:
    """The newest `limit` message states up to stream position `through_seq`, oldest first,
    as (message id, changed_seq, sender id, created timestamp, message JSON) for the fan-out's
    memory (messaging/fanout.py)."""
    messages = list(
        Message.objects.filter(conversation_id=conversation_id, changed_seq__lte=through_seq)
        .select_related("sender__profile")
        .order_by("-changed_seq")[:limit]
    )
    alias = support_alias(conversation_id=conversation_id)
    return [
        (
            message.pk,
            message.changed_seq,
            message.sender_id,
            message.created_at.timestamp(),
            encode_frame(serialize_message(message, alias=alias)),
        )
        for message in reversed(messages)
    ]


def moderator_public_id(*, conversation_id: int, user_id: int) -> str:
    """What stands in for a site moderator who is not a member of a room's group: stable in
    that room (so their messages read as one person's), unrelated to their profile and to the
    same moderator in any other room."""
    digest = salted_hmac(
        "kindred.moderator-in-room", f"{conversation_id}:{user_id}", algorithm="sha256"
    )
    return f"moderator-{digest.hexdigest()[:12]}"


def moderator_member(*, conversation_id: int, user_id: int) -> dict:
    return {
        "public_id": moderator_public_id(conversation_id=conversation_id, user_id=user_id),
        "pseudonym": str(MODERATOR_NAME),
        "avatar_seed": None,
    }


def message_sender(message: Message, *, alias=_LOOK_UP) -> dict | None:
    """How a message's author is shown, to everyone, everywhere (pages, frames, exports): the
    pseudonym, public id and avatar seed; a support thread's alias; "Moderator" for a site
    moderator who is not a member of the group; None for a deleted account."""
    if alias is _LOOK_UP:
        alias = support_alias(conversation_id=message.conversation_id)
    if alias is not None and message.sender_id == alias[0]:
        return {
            "public_id": alias_public_id(message.conversation_id),
            "pseudonym": alias[1],
            "avatar_seed": None,
        }
    if message.as_moderator and message.sender_id:
        return moderator_member(conversation_id=message.conversation_id, user_id=message.sender_id)
    profile = getattr(message.sender, "profile", None) if message.sender_id else None
    if profile is None:
        return None
    return {
        "public_id": profile.public_id,
        "pseudonym": profile.pseudonym,
        "avatar_seed": profile.avatar_seed,
    }


def serialize_message(message: Message, *, alias=_LOOK_UP) -> dict:
    """The message as every client sees it: its author as `message_sender` shows them;
    deleted and hidden messages keep their place as tombstones without a body. Pass `alias`
    (from support_alias, or None) when serialising many messages of one conversation, so it
    is looked up once."""
    tombstone = message.deleted_at is not None or message.hidden_at is not None
    sender = message_sender(message, alias=alias)
    return {
        "id": message.pk,
        "seq": message.seq,
        "conversation_id": message.conversation_id,
        "client_id": message.client_id,
        "sender": sender,
        "body": "" if tombstone else message.body,
        "content_warning": "" if tombstone else message.content_warning,
        "reactions": {} if tombstone else (message.reactions or {}),
        "mentions": [] if tombstone else (message.mentions or []),
        "html": "" if tombstone else str(render_plain(message.body)),
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": message.deleted_at is not None,
        "hidden": message.hidden_at is not None,
    }


def presence_members(*, conversation_id: int, user_ids) -> dict[int, dict]:
    """user id → how the room lists them (pseudonym and public id; "Moderator" for a site
    moderator who is not a member of the group) and whether they appear offline (only hosts
    are told: messaging.fanout.listed_members), in one query."""
    conversation = Conversation.objects.filter(pk=conversation_id).only("group_id").first()
    if conversation is None or not user_ids:
        return {}
    member_ids = set(
        Membership.objects.filter(
            group_id=conversation.group_id, user_id__in=user_ids, state=Membership.State.ACTIVE
        ).values_list("user_id", flat=True)
    )
    listed = {}
    for profile in Profile.objects.filter(user_id__in=user_ids).only(
        "user_id", "public_id", "pseudonym", "appear_offline"
    ):
        if profile.user_id in member_ids:
            listed[profile.user_id] = {
                "public_id": profile.public_id,
                "pseudonym": profile.pseudonym,
                "appears_offline": profile.appear_offline,
            }
        else:
            member = moderator_member(conversation_id=conversation_id, user_id=profile.user_id)
            listed[profile.user_id] = {
                "public_id": member["public_id"],
                "pseudonym": member["pseudonym"],
                "appears_offline": profile.appear_offline,
            }
    return listed


def participations_with_unread(*, user_id: int, kind: str):
    """The viewer's accepted participations in conversations of one kind, each annotated
    with its `unread` count: a queryset, for callers that annotate more (the inbox)."""
    return (
        ConversationParticipant.objects.filter(
            user_id=user_id,
            state=ConversationParticipant.State.ACCEPTED,
            conversation__kind=kind,
        )
        .select_related("conversation__group")
        .annotate(
            unread=Count(
                "conversation__messages",
                filter=unread_message_filter(user_id=user_id, prefix="conversation__messages__"),
            )
        )
        .order_by("-conversation__pk")
    )


def conversations_with_unread(*, user_id: int, kind: str) -> list[ConversationParticipant]:
    """The viewer's accepted conversations of one kind with an `unread` count each, in one
    query whatever their number."""
    return list(participations_with_unread(user_id=user_id, kind=kind))


def message_requests(*, user_id: int, filtered: bool = False) -> list[ConversationParticipant]:
    """Direct conversations someone new started with the viewer, awaiting accept or decline:
    the requests list, or the filtered list (new accounts, no shared group; decision 0009)."""
    return list(
        ConversationParticipant.objects.filter(
            user_id=user_id,
            state=ConversationParticipant.State.REQUESTED,
            filtered=filtered,
            conversation__kind=Conversation.Kind.DIRECT,
        )
        .select_related("conversation")
        .order_by("-conversation__pk")
    )


def message_request_counts(*, user_id: int) -> dict[bool, int]:
    """How many requests wait in each of the viewer's two lists: {filtered: count}."""
    rows = (
        ConversationParticipant.objects.filter(
            user_id=user_id,
            state=ConversationParticipant.State.REQUESTED,
            conversation__kind=Conversation.Kind.DIRECT,
        )
        .values("filtered")
        .annotate(count=Count("pk"))
    )
    counts = {False: 0, True: 0}
    counts.update({row["filtered"]: row["count"] for row in rows})
    return counts


def declined_by_other(*, conversation_id: int, user_id: int) -> bool:
    """Whether the other member of a direct conversation declined it (the viewer may then ask
    again, after the cooldown)."""
    return (
        ConversationParticipant.objects.filter(
            conversation_id=conversation_id, state=ConversationParticipant.State.DECLINED
        )
        .exclude(user_id=user_id)
        .exists()
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


def request_sender_id(*, conversation_id: int, user) -> int | None:
    """Who sent the member the request waiting in this conversation (for "decline and
    block"), or None unless the member has such a request."""
    if not ConversationParticipant.objects.filter(
        conversation_id=conversation_id, user=user, state=ConversationParticipant.State.REQUESTED
    ).exists():
        return None
    sender_id = (
        ConversationParticipant.objects.filter(conversation_id=conversation_id)
        .exclude(user=user)
        .values_list("user_id", flat=True)
        .first()
    )
    return sender_id


def request_previews(*, participants: list[ConversationParticipant]) -> dict[int, Message]:
    """conversation id → the newest message of each request (what the sender asks; after a
    decline and a new request, the new one), in one query. Only the requester has written:
    the recipient cannot write before accepting."""
    latest_ids = (
        Message.objects.filter(
            conversation_id__in=[part.conversation_id for part in participants],
            deleted_at__isnull=True,
            hidden_at__isnull=True,
        )
        .values("conversation_id")
        .annotate(latest_id=Max("pk"))
        .values("latest_id")
    )
    return {
        message.conversation_id: message
        for message in Message.objects.filter(pk__in=latest_ids).only(
            "pk", "conversation_id", "body"
        )
    }


def group_room(*, group_id: int) -> Conversation | None:
    """A group's live room (opened with the group: messaging/handlers.py)."""
    return Conversation.objects.filter(group_id=group_id, kind=Conversation.Kind.ROOM).first()


@dataclass(frozen=True)
class ConversationPage:
    """What a conversation page shows: the latest messages as the viewer may see them, each
    author as every frame shows them, and the stream position the socket resumes from."""

    messages: list
    has_more: bool
    through_seq: int
    me: str
    title: str
    not_delivered: bool
    # The other member chose "who may message me: nobody" (decision 0009).
    closed_by_other: bool = False
    # The viewer's read marker as the page was drawn: where "new since your last visit" goes.
    read_seq: int = 0


def conversation_page(*, access, user) -> ConversationPage:
    conversation = access.conversation
    # The position first: the page shows states up to it, the socket resumes from it.
    through_seq = conversation_position(conversation_id=conversation.pk)
    messages, has_more = messages_before(
        conversation_id=conversation.pk,
        viewer=access.viewer(hidden_author_ids=hidden_author_ids(viewer_id=user.pk)),
        through_seq=through_seq,
    )
    mine = set(
        MessageReaction.objects.filter(
            message_id__in=[message.pk for message in messages], user_id=user.pk
        ).values_list("message_id", "kind")
    )
    for message in messages:
        message.shown_sender = message_sender(message, alias=access.alias)
        message.reaction_buttons = reaction_buttons(message, mine=mine)
    others = []
    read_seq = 0
    if conversation.kind == Conversation.Kind.DIRECT:
        # One query for both notices and the viewer's own read marker.
        for user_id, state, policy, last_read in ConversationParticipant.objects.filter(
            conversation=conversation
        ).values_list("user_id", "state", "user__profile__dm_policy", "last_read_seq"):
            if user_id == user.pk:
                read_seq = last_read
            else:
                others.append((state, policy))
    else:
        read_seq = (
            ConversationParticipant.objects.filter(conversation=conversation, user=user)
            .values_list("last_read_seq", flat=True)
            .first()
        ) or 0
    return ConversationPage(
        messages=messages,
        has_more=has_more,
        through_seq=through_seq,
        me=viewer_public_id(access=access, user=user),
        title=conversation_title(access=access, user=user),
        not_delivered=any(state == ConversationParticipant.State.DECLINED for state, _ in others),
        closed_by_other=any(policy == DirectMessagePolicy.NOBODY for _, policy in others),
        read_seq=read_seq,
    )


@dataclass(frozen=True)
class ReactionButton:
    kind: str
    label: str
    count: int
    mine: bool


def reaction_buttons(message: Message, *, mine: set) -> list[ReactionButton]:
    """The reaction bar of one message for one viewer: every kind, its count, and whether the
    viewer chose it (never who else did)."""
    counts = message.reactions or {}
    return [
        ReactionButton(
            kind=kind, label=label, count=counts.get(kind, 0), mine=(message.pk, kind) in mine
        )
        for kind, label in Reaction.Kind.choices
    ]


def viewer_public_id(*, access, user) -> str:
    """The public id the viewer's own messages carry here (the same rule as message_sender):
    a support thread's alias, "Moderator" in a room they only moderate, else their own."""
    conversation_id = access.conversation.pk
    if access.alias is not None and user.pk == access.alias[0]:
        return alias_public_id(conversation_id)
    if access.as_moderator:
        return moderator_public_id(conversation_id=conversation_id, user_id=user.pk)
    return user.profile.public_id


# The other person of a direct or support thread, as its title names them: still there, or
# asked and not yet answering.
NAMED_STATES = [ConversationParticipant.State.ACCEPTED, ConversationParticipant.State.REQUESTED]


def conversation_title(*, access, user) -> str:
    """The page's title: the room's group, or the other person in a direct or support thread
    (by their alias in a support thread where they chose one). A direct request still waiting
    for an answer names its recipient too."""
    conversation = access.conversation
    other = None
    if conversation.kind != Conversation.Kind.ROOM:
        other = (
            ConversationParticipant.objects.filter(
                conversation=conversation, state__in=NAMED_STATES
            )
            .exclude(user=user)
            .select_related("user__profile")
            .order_by("-pk")
            .first()
        )
    return conversation_name(conversation, other=other, alias=access.alias)


def conversation_name(conversation: Conversation, *, other, alias) -> str:
    """How a conversation is named to one viewer, wherever it is named (its page, search):
    `other` is the other person's ConversationParticipant (None when they left), `alias` the
    support thread's (member id, alias) or None."""
    if conversation.kind == Conversation.Kind.ROOM:
        return _("%(group)s: live room") % {"group": conversation.group.name}
    if other is None:
        name = _("someone who left")
    elif alias is not None and other.user_id == alias[0]:
        name = alias[1]
    else:
        name = other.user.profile.pseudonym
    if conversation.kind == Conversation.Kind.SUPPORT:
        return _("Support conversation with %(name)s") % {"name": name}
    return _("Messages with %(name)s") % {"name": name}
