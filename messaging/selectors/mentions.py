"""Who a writer may mention in a room, and whom a text mentions. The one home of the rule:
the room's active members who have shown themselves in the room (written a message there the
writer may see), without the writer and without anyone kept apart from them (blocked or
muted, either way: community.restrictions.kept_apart_ids). Only rooms have mentions; direct
and support threads never resolve any.

Members who never wrote in the room (who only read, or only post anonymously) are neither
offered nor resolved: a group's member list is not shown to its members, and neither the
suggestions nor `@name` coming back resolved may become a way to test whether someone
belongs (docs/decisions/0013-unread-counts.md)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower

from community.mentions import mention_spans
from community.models import Group, Membership, Profile
from community.restrictions import kept_apart_ids
from messaging.models import Conversation, Message


@dataclass(frozen=True)
class MentionableMember:
    user_id: int
    public_id: str
    pseudonym: str


def may_mention(*, access, text: str) -> bool:
    """Whether the text could mention anyone: a room message with an @ in it (every other
    message costs no query for mentions)."""
    return access.conversation.kind == Conversation.Kind.ROOM and "@" in text


def mentionable_members(
    *, access, user, visible_at: datetime | None = None
) -> list[MentionableMember]:
    """The room's members `user` may mention (those who wrote there, as the writer sees the
    room), sorted by pseudonym, in two queries (none outside rooms). With `visible_at` (an
    edited message's time), only members who may see a message of that time (a group
    showing newcomers only what came after they joined)."""
    conversation = access.conversation
    if conversation.kind != Conversation.Kind.ROOM:
        return []
    apart = kept_apart_ids(user_id=user.pk)
    memberships = {
        "user__memberships__group_id": conversation.group_id,
        "user__memberships__state": Membership.State.ACTIVE,
    }
    if visible_at is not None and conversation.group.history_policy == (
        Group.HistoryPolicy.SINCE_JOINING
    ):
        memberships["user__memberships__joined_at__lte"] = visible_at
    wrote_here = Message.objects.filter(
        conversation_id=conversation.pk, sender_id=OuterRef("user_id"), as_moderator=False
    )
    if access.visible_since is not None:
        wrote_here = wrote_here.filter(created_at__gte=access.visible_since)
    rows = (
        Profile.objects.filter(Exists(wrote_here), user__is_active=True, **memberships)
        .exclude(user_id=user.pk)
        .exclude(user_id__in=list(apart))
        .order_by(Lower("pseudonym"))
        .values_list("user_id", "public_id", "pseudonym")
    )
    return [MentionableMember(*row) for row in rows]


def mention_candidates(*, access, user) -> list[dict]:
    """What the composer offers after an @ (the page and the `joined` frame): public id and
    pseudonym of each member the writer may mention, sorted by pseudonym."""
    return [
        {"public_id": member.public_id, "pseudonym": member.pseudonym}
        for member in mentionable_members(access=access, user=user)
    ]


def mentionable_names(*, candidates, user) -> tuple[str, ...]:
    """The pseudonyms "before you send" reads as mentions, not handles: the candidates' (dicts
    or MentionableMember) and the writer's own."""
    names = [
        candidate["pseudonym"] if isinstance(candidate, dict) else candidate.pseudonym
        for candidate in candidates
    ]
    profile = getattr(user, "profile", None)
    if profile is not None:
        names.append(profile.pseudonym)
    return tuple(names)


def mentioned_members(*, text: str, members: list[MentionableMember]) -> list[MentionableMember]:
    """The members `text` mentions, each once, in the order first mentioned."""
    by_name = {member.pseudonym: member for member in members}
    found: dict[int, MentionableMember] = {}
    for _start, name in mention_spans(text, list(by_name)):
        member = by_name[name]
        found.setdefault(member.user_id, member)
    return list(found.values())
