"""Search source for messages: the viewer's rooms, direct and support conversations.

The rules are the conversation pages' own (messaging/permissions.py): rooms of groups the
viewer is an active member of, from when they joined where the group shows newcomers only
what came after; direct and support conversations the viewer takes part in and has accepted
(not requests, not declined or left ones); authors the viewer blocked or muted left out;
deleted and hidden messages never match. Authors appear as every frame shows them
(`message_sender`: a support thread's alias, "Moderator").
"""

from django.db.models import Q
from django.urls import reverse

from community.models import Group, Membership
from community.restrictions import hidden_author_ids
from community.search import SearchHit, SearchSource, excerpt, matching, ranked_keys
from messaging.models import Conversation, ConversationParticipant, Message
from messaging.selectors.conversations import NAMED_STATES, conversation_name, message_sender

SOURCE = "messages"


def _readable_messages(*, viewer):
    memberships = Membership.objects.filter(
        user_id=viewer.pk, state=Membership.State.ACTIVE, group__status=Group.Status.ACTIVE
    ).values_list("group_id", "joined_at", "group__history_policy")
    readable = Q(
        conversation__kind__in=[Conversation.Kind.DIRECT, Conversation.Kind.SUPPORT],
        conversation__participants__user_id=viewer.pk,
        conversation__participants__state=ConversationParticipant.State.ACCEPTED,
    )
    for group_id, joined_at, history_policy in memberships:
        in_room = Q(conversation__kind=Conversation.Kind.ROOM, conversation__group_id=group_id)
        if history_policy == Group.HistoryPolicy.SINCE_JOINING and joined_at is not None:
            in_room &= Q(created_at__gte=joined_at)
        readable |= in_room
    messages = Message.objects.filter(readable, deleted_at__isnull=True, hidden_at__isnull=True)
    hidden = hidden_author_ids(viewer_id=viewer.pk)
    if hidden:
        messages = messages.exclude(sender_id__in=hidden)
    # The participants join may repeat a row; a subquery keeps each message once.
    return Message.objects.filter(pk__in=messages.values("pk"))


def ranked(*, viewer, terms):
    messages = matching(
        _readable_messages(viewer=viewer),
        table="messaging_message",
        columns=["body", "content_warning"],
        terms=terms,
    )
    return ranked_keys(messages, source=SOURCE)


def hits(*, viewer, pks, terms) -> dict[int, SearchHit]:
    """Three queries: the messages with their conversation, group and sender; the support
    aliases of their support threads; the other person of their direct and support threads."""
    messages = list(
        Message.objects.filter(pk__in=pks).select_related(
            "conversation__group", "conversation__support_request", "sender__profile"
        )
    )
    private_ids = [
        message.conversation_id
        for message in messages
        if message.conversation.kind != Conversation.Kind.ROOM
    ]
    others = {}
    if private_ids:
        for part in (
            ConversationParticipant.objects.filter(
                conversation_id__in=private_ids, state__in=NAMED_STATES
            )
            .exclude(user_id=viewer.pk)
            .select_related("user__profile")
        ):
            others[part.conversation_id] = part
    found = {}
    for message in messages:
        conversation = message.conversation
        request = (
            conversation.support_request if conversation.kind == Conversation.Kind.SUPPORT else None
        )
        alias = (
            (request.member_id, request.alias) if request is not None and request.alias else None
        )
        sender = message_sender(message, alias=alias)
        place = conversation_name(conversation, other=others.get(conversation.pk), alias=alias)
        if conversation.kind == Conversation.Kind.ROOM:
            url = reverse("messaging:room", args=[conversation.group.slug])
        else:
            url = reverse("messaging:conversation", args=[conversation.pk])
        found[message.pk] = SearchHit(
            kind="message",
            place=place,
            title="",
            author=sender["pseudonym"] if sender else None,
            created_at=message.created_at,
            url=f"{url}#message-{message.pk}",
            excerpt=excerpt(message.body, terms=terms),
            content_warning=message.content_warning,
        )
    return found


MESSAGES_SOURCE = SearchSource(name=SOURCE, ranked=ranked, hits=hits)
