"""Who may read and write in a conversation. Checked on every request and every socket frame.

Existence stays hidden: a conversation the viewer cannot enter answers 404 (`not_found`), the
same as one that does not exist (DESIGN.md invariant 6).
"""

import re
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from community import restrictions
from community.models import DirectMessagePolicy, Group, Membership, UnfamiliarRequestPolicy
from community.permissions import can_use_moderator_tools
from community.sanitize import render_plain
from community.selectors.advocates import is_verified_advocate
from messaging.errors import denied
from messaging.models import Call, CallParticipant, Conversation, ConversationParticipant
from messaging.selectors.calls import get_active_call, get_call_participants
from messaging.selectors.conversations import (
    get_conversation,
    get_participant,
    get_room_membership,
    support_alias,
)


@dataclass(frozen=True)
class ViewerFilter:
    """What one viewer may receive of a conversation's messages. The one rule: every page,
    history page, resume, live broadcast (new, edited, deleted, hidden) and gap fill applies
    it, so a blocked or muted author's words never reach the viewer in any state, and a group
    that shows newcomers only what came after they joined shows nothing older.

    Live, a message the viewer may not receive is replaced by a `skip` frame carrying only its
    stream position (docs/protocol.md), so the client can tell "not for you" from "missing"."""

    hidden_author_ids: frozenset = frozenset()
    visible_since: datetime | None = None
    # Whether this viewer must be kept from anything at all (most are not: the fan-out then
    # skips the check).
    restricts: bool = field(init=False)
    _since: float | None = field(init=False)

    def __post_init__(self):
        since = self.visible_since.timestamp() if self.visible_since is not None else None
        object.__setattr__(self, "_since", since)
        object.__setattr__(self, "restricts", bool(self.hidden_author_ids) or since is not None)

    def allows(self, *, author_id: int | None, created_timestamp: float) -> bool:
        if author_id is not None and author_id in self.hidden_author_ids:
            return False
        return self._since is None or created_timestamp >= self._since

    def restrict(self, messages):
        """The same rule as a queryset filter."""
        if self.visible_since is not None:
            messages = messages.filter(created_at__gte=self.visible_since)
        if self.hidden_author_ids:
            messages = messages.exclude(sender_id__in=list(self.hidden_author_ids))
        return messages


@dataclass
class ConversationAccess:
    """What an allowed viewer may see and do in one conversation, as of this check. A socket
    keeps it while joined and refreshes it when an event says it changed (room settings, a
    mute, a role) or when it is older than ACCESS_TTL seconds."""

    conversation: Conversation
    user_id: int
    can_moderate: bool = False
    # Rooms whose group shows newcomers only what came after they joined.
    visible_since: datetime | None = None
    # Support threads whose member chose an alias: (member id, alias).
    alias: tuple[int, str] | None = None
    # A site moderator in a group they are not a member of: shown as "Moderator".
    as_moderator: bool = False
    # The end of the viewer's mute in this room's group, if muted.
    muted_until: datetime | None = None
    checked_at: float = field(default_factory=time.monotonic)

    @property
    def group_id(self) -> int | None:
        return self.conversation.group_id

    def viewer(self, *, hidden_author_ids) -> ViewerFilter:
        return ViewerFilter(
            hidden_author_ids=frozenset(hidden_author_ids), visible_since=self.visible_since
        )

    def is_muted(self) -> bool:
        return self.muted_until is not None and timezone.now() < self.muted_until


def get_conversation_access_or_404(*, user, conversation_id: int) -> ConversationAccess:
    if not user.is_authenticated or not user.is_active:
        raise Http404
    conversation = get_conversation(conversation_id=conversation_id)
    if conversation is None:
        raise Http404
    if conversation.kind == Conversation.Kind.ROOM:
        return _room_access(user=user, conversation=conversation)
    participant = get_participant(conversation_id=conversation.pk, user_id=user.pk)
    if participant is None or participant.state in (
        ConversationParticipant.State.DECLINED,
        ConversationParticipant.State.LEFT,
    ):
        raise Http404
    if participant.state == ConversationParticipant.State.REQUESTED:
        raise denied("request_pending")
    alias = (
        support_alias(conversation_id=conversation.pk)
        if conversation.kind == Conversation.Kind.SUPPORT
        else None
    )
    return ConversationAccess(conversation=conversation, user_id=user.pk, alias=alias)


def _room_access(*, user, conversation: Conversation) -> ConversationAccess:
    """Members of the group; and site moderators, who may enter any group's room to moderate
    it, appearing there as "Moderator" unless they are members. Moderator powers need the
    role and two-factor authentication, checked by the same function as every HTTP tool."""
    if conversation.group.status != Group.Status.ACTIVE:
        raise Http404
    membership = get_room_membership(conversation=conversation, user_id=user.pk)
    may_moderate = can_use_moderator_tools(
        user=user, group_id=conversation.group_id, membership=membership
    )
    if membership is None:
        if not (user.is_site_moderator and may_moderate):
            raise Http404
        return ConversationAccess(
            conversation=conversation, user_id=user.pk, can_moderate=True, as_moderator=True
        )
    history_policy = conversation.group.history_policy
    return ConversationAccess(
        conversation=conversation,
        user_id=user.pk,
        can_moderate=may_moderate,
        visible_since=(
            membership.joined_at if history_policy == Group.HistoryPolicy.SINCE_JOINING else None
        ),
        muted_until=restrictions.mute_ends_at(user_id=user.pk, group_id=conversation.group_id),
    )


def check_post_message(*, access: ConversationAccess, body: str) -> None:
    """Room host controls and DM consent, enforced on every message. For rooms this reads only
    `access` (no query): the socket keeps it current through events."""
    conversation = access.conversation
    if conversation.kind == Conversation.Kind.ROOM:
        if access.can_moderate:
            return
        if conversation.locked:
            raise denied("locked")
        if conversation.links_restricted and _has_link(body):
            raise denied("links_restricted")
        if access.is_muted():
            raise denied("muted")
        return
    if conversation.kind == Conversation.Kind.DIRECT:
        others = (
            ConversationParticipant.objects.filter(conversation_id=conversation.pk)
            .exclude(user_id=access.user_id)
            .select_related("user__profile")
        )
        for other in others:
            # Declined, left or blocked: the sender learns only "not delivered".
            if other.state in (
                ConversationParticipant.State.DECLINED,
                ConversationParticipant.State.LEFT,
            ) or restrictions.has_blocked(owner_id=other.user_id, target_id=access.user_id):
                raise denied("not_delivered")
            # "Who may message me: nobody" closes the conversations they already have too.
            if other.user.profile.dm_policy == DirectMessagePolicy.NOBODY:
                raise denied("messages_closed")


def check_change_message(*, access: ConversationAccess, message, window) -> None:
    if message.sender_id != access.user_id:
        raise denied("not_yours")
    if message.deleted_at or message.hidden_at or timezone.now() - message.created_at > window:
        raise denied("edit_window_closed")


def check_may_start_direct(*, sender, recipient) -> bool:
    """Whether `sender` may send `recipient` a message request: the recipient's "who may
    message me", their blocks, and what they do with unfamiliar requests (decision 0009).
    Returns whether the request goes to the recipient's filtered list. Every refusal reads
    the same, "you can't message this person right now", whatever the reason."""
    if recipient.pk == sender.pk or not recipient.is_active:
        raise denied("cannot_message_now")
    if restrictions.has_blocked(owner_id=recipient.pk, target_id=sender.pk):
        raise denied("cannot_message_now")
    profile = recipient.profile
    if profile.dm_policy == DirectMessagePolicy.NOBODY:
        raise denied("cannot_message_now")
    shares_group = _share_a_group(sender.pk, recipient.pk)
    if profile.dm_policy == DirectMessagePolicy.ADVOCATES or not shares_group:
        # Only verified advocates write to people they share no group with.
        if not is_verified_advocate(user_id=sender.pk):
            raise denied("cannot_message_now")
    unfamiliar = not shares_group or (
        timezone.now() - sender.date_joined < settings.KINDRED_MESSAGE_REQUEST_MIN_ACCOUNT_AGE
    )
    if unfamiliar and profile.unfamiliar_requests == UnfamiliarRequestPolicy.REFUSE:
        raise denied("cannot_message_now")
    return unfamiliar


def check_may_ask_again(*, declined_at) -> None:
    """A declined sender may ask again only after the cooldown; until then they learn no more
    than any other refusal tells."""
    cooldown = settings.KINDRED_MESSAGE_REQUEST_COOLDOWN
    if declined_at is None or timezone.now() - declined_at < cooldown:
        raise denied("cannot_message_now")


def _share_a_group(first_user_id: int, second_user_id: int) -> bool:
    return Membership.objects.filter(
        user_id=first_user_id,
        state=Membership.State.ACTIVE,
        group__status=Group.Status.ACTIVE,
        group__memberships__user_id=second_user_id,
        group__memberships__state=Membership.State.ACTIVE,
    ).exists()


def _has_link(body: str) -> bool:
    # A link is whatever the one sanitising pipeline would turn into one.
    return "<a " in render_plain(body)


# Calls ----------------------------------------------------------------------------------------

_CALL_ID = re.compile(r"^[A-Za-z0-9_\-]{8,32}$")


@dataclass
class CallAccess:
    """A member's standing in one active call, as of this check: the conversation's own
    access (checked again every time), and their participant row, if they have one."""

    call: Call
    access: ConversationAccess
    participant: CallParticipant | None
    # The row of the peer a relayed frame is for (`get_call_access_or_404(peer_id=…)`).
    peer: CallParticipant | None = None

    @property
    def is_host(self) -> bool:
        return self.call.host_id == self.access.user_id and may_host_call(
            call=self.call, access=self.access
        )


def may_host_call(*, call: Call, access: ConversationAccess) -> bool:
    """Host powers: in a circle, the group's moderators (and site moderators) with two-factor
    authentication, exactly as every moderator tool (`can_moderate` comes from
    community.permissions.can_use_moderator_tools); in a private call, either of the two."""
    if call.kind == Call.Kind.CIRCLE:
        return access.can_moderate
    return True


def get_call_access_or_404(*, user, call_id, peer_id: str | None = None) -> CallAccess:
    """The call by its public id, through the conversation's access check: a call that does
    not exist, has ended, or sits in a conversation the member may not enter answers the same
    (`not_found`). With `peer_id`, the row of that peer too (`peer`), in the same query as the
    member's own."""
    if not isinstance(call_id, str) or not _CALL_ID.match(call_id):
        raise Http404
    call = get_active_call(call_id=call_id)
    if call is None:
        raise Http404
    access = get_conversation_access_or_404(user=user, conversation_id=call.conversation_id)
    participant, peer = get_call_participants(call_pk=call.pk, user_id=user.pk, peer_id=peer_id)
    return CallAccess(call=call, access=access, participant=participant, peer=peer)


def check_start_call(*, access: ConversationAccess) -> Call.Kind:
    """Who may start a call where: a group's moderators in its room (a circle call); the
    advocate or the member in a support thread (a private call). Direct messages have none."""
    kind = access.conversation.kind
    if kind == Conversation.Kind.ROOM:
        if not access.can_moderate:
            raise denied("call_not_allowed")
        return Call.Kind.CIRCLE
    if kind == Conversation.Kind.SUPPORT:
        return Call.Kind.PRIVATE
    raise denied("call_not_allowed")


def check_host_call(*, call_access: CallAccess) -> None:
    participant = call_access.participant
    if (
        not call_access.is_host
        or participant is None
        or participant.state != CallParticipant.State.ADMITTED
    ):
        raise denied("not_host")


def check_in_call(*, call_access: CallAccess, channel_name: str) -> CallParticipant:
    """An admitted participant, in the call on this very socket."""
    participant = call_access.participant
    if (
        participant is None
        or participant.state != CallParticipant.State.ADMITTED
        or participant.channel_name != channel_name
    ):
        raise denied("not_in_call")
    return participant


def get_call_for_record_or_404(*, user, call_id) -> Call:
    """The call a member may save to their journal: one they were admitted to, whatever
    happened since (ended, removed from it, even out of the group: documenting is theirs)."""
    if not isinstance(call_id, str) or not _CALL_ID.match(call_id) or not user.is_authenticated:
        raise Http404
    call = Call.objects.filter(
        public_id=call_id, participants__user_id=user.pk, participants__was_admitted=True
    ).first()
    if call is None:
        raise Http404
    return call
