"""What can be flagged, and how moderation reads and changes each kind of content.

The queue, decisions and audit log only speak to the `Flaggable` entries registered here,
so a new kind of content needs one registration, not changes across the app. Threads and
replies are one model (community.Post), registered once as "post".
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import Post
from community.selectors.groups import is_active_member
from community.services import perspectives, posts, profiles
from messaging.models import (
    CallEvent,
    CallParticipant,
    Conversation,
    ConversationParticipant,
    Message,
)
from messaging.services import conversations
from moderation.selectors.blocks import has_blocked

REDACTED = gettext_lazy("[details removed by a moderator]")
CONTENT_WARNING_LABEL = gettext_lazy("Content warning:")


@dataclass(frozen=True)
class ContextLine:
    author: str
    text: str
    is_flagged: bool
    hidden: bool


@dataclass(frozen=True)
class Flaggable:
    kind: str
    label: str
    model_label: str
    author_id: Callable  # (obj) -> int | None
    group_id: Callable  # (obj) -> int | None; None: only site moderators review it
    snapshot: Callable  # (obj) -> str
    can_view: Callable  # (user, obj) -> bool: only who can see it may flag it
    hide: Callable  # (obj) -> None
    unhide: Callable  # (obj) -> None
    delete: Callable  # (obj) -> None
    redact: Callable  # (obj, text) -> None; keeps the rest, replaces the identifying part
    context: Callable  # (obj) -> list[ContextLine]: the thread or room around it
    select_related: tuple = field(default_factory=tuple)
    # Anonymous posts: the author is shown to site moderators only.
    is_anonymous: Callable = lambda obj: False
    # After commit: tell whoever is looking at it live (chat messages) that it changed.
    announce_change: Callable = lambda obj: None

    @property
    def model(self):
        return apps.get_model(self.model_label)

    def get(self, object_id: int):
        objects = self.model.objects
        if self.select_related:
            objects = objects.select_related(*self.select_related)
        return objects.filter(pk=object_id).first()


REGISTRY: dict[str, Flaggable] = {}


def register(flaggable: Flaggable) -> None:
    REGISTRY[flaggable.kind] = flaggable


def get_flaggable(kind: str) -> Flaggable | None:
    return REGISTRY.get(kind)


def is_anonymous_item(item) -> bool:
    """Whether a review item's content hides its author from group moderators."""
    flaggable = get_flaggable(item.content_kind)
    obj = flaggable.get(item.object_id) if flaggable is not None else None
    return obj is not None and flaggable.is_anonymous(obj)


def _pseudonym(user) -> str:
    profile = getattr(user, "profile", None) if user is not None else None
    return profile.pseudonym if profile else _("(deleted account)")


# --- Chat and direct messages -------------------------------------------------------------


def _message_can_view(user, message) -> bool:
    conversation = message.conversation
    if conversation.kind == Conversation.Kind.ROOM:
        return is_active_member(user_id=user.pk, group_id=conversation.group_id)
    return ConversationParticipant.objects.filter(
        conversation_id=conversation.pk, user_id=user.pk
    ).exists()


def _message_group_id(message):
    # Direct and support threads belong to no group: only site moderators review them.
    return message.conversation.group_id if message.conversation.kind == "room" else None


def _with_warning(content_warning: str, text: str) -> str:
    """What a moderator reads: the content warning the readers saw first, then the text."""
    if not content_warning:
        return text
    return f"{CONTENT_WARNING_LABEL} {content_warning}\n{text}"


def _message_text(message) -> str:
    return _with_warning(message.content_warning, message.body)


def _message_context(message) -> list[ContextLine]:
    around = Message.objects.filter(conversation_id=message.conversation_id).select_related(
        "sender__profile"
    )
    before = list(around.filter(pk__lt=message.pk).order_by("-pk")[:5])[::-1]
    after = list(around.filter(pk__gt=message.pk).order_by("pk")[:5])
    return [
        ContextLine(
            author=_pseudonym(line.sender),
            text=_message_text(line),
            is_flagged=line.pk == message.pk,
            hidden=bool(line.hidden_at or line.deleted_at),
        )
        for line in [*before, message, *after]
    ]


register(
    Flaggable(
        kind="message",
        label=gettext_lazy("Chat message"),
        model_label="messaging.Message",
        author_id=lambda message: message.sender_id,
        group_id=_message_group_id,
        snapshot=_message_text,
        can_view=_message_can_view,
        # Messaging owns its rows: each change takes a stream position and is announced to
        # the viewers the one rule allows (messaging.services.conversations.change_message).
        hide=lambda message: conversations.hide_message(message=message),
        unhide=lambda message: conversations.unhide_message(message=message),
        delete=lambda message: conversations.remove_message(message=message),
        redact=lambda message, text: conversations.redact_message(
            message=message, text=text or str(REDACTED)
        ),
        context=_message_context,
        select_related=("conversation", "sender__profile"),
    )
)


# --- Profiles -----------------------------------------------------------------------------


def _profile_snapshot(profile) -> str:
    return "\n".join(part for part in [profile.pseudonym, profile.pronouns, profile.bio] if part)


def _profile_can_view(user, profile) -> bool:
    return user.is_authenticated and not has_blocked(owner_id=profile.user_id, target_id=user.pk)


register(
    Flaggable(
        kind="profile",
        label=gettext_lazy("Profile"),
        model_label="community.Profile",
        author_id=lambda profile: profile.user_id,
        group_id=lambda profile: None,
        snapshot=_profile_snapshot,
        can_view=_profile_can_view,
        # community owns profiles: it clears or redacts what the member wrote.
        hide=lambda profile: profiles.clear_profile_about(profile=profile),
        unhide=lambda profile: None,
        delete=lambda profile: profiles.clear_profile_about(profile=profile),
        redact=lambda profile, text: profiles.redact_profile_bio(
            profile=profile, text=text or str(REDACTED)
        ),
        context=lambda profile: [
            ContextLine(
                author=profile.pseudonym,
                text=_profile_snapshot(profile),
                is_flagged=True,
                hidden=False,
            )
        ],
    )
)


# --- Posts and replies (one model: a thread has no parent, a reply has one) ----------------


def _post_text(post) -> str:
    return _with_warning(
        post.content_warning, "\n".join(part for part in [post.title, post.body] if part)
    )


def _post_can_view(user, post) -> bool:
    return is_active_member(user_id=user.pk, group_id=post.group_id)


def _post_context(post) -> list[ContextLine]:
    thread_id = post.root_id
    around = Post.objects.filter(thread_id=thread_id).select_related("author__profile")
    before = list(around.filter(pk__lt=post.pk).order_by("-pk")[:3])[::-1]
    after = list(around.filter(pk__gt=post.pk).order_by("pk")[:3])
    lines = [*before, post, *after]
    if not post.is_thread:
        head = Post.objects.select_related("author__profile").filter(pk=thread_id).first()
        if head is not None and head.pk not in {line.pk for line in lines}:
            lines.insert(0, head)
    return [
        ContextLine(
            author=_("Anonymous") if line.is_anonymous else _pseudonym(line.author),
            text=_post_text(line),
            is_flagged=line.pk == post.pk,
            hidden=bool(line.hidden_at or line.deleted_at),
        )
        for line in lines
    ]


register(
    Flaggable(
        kind="post",
        label=gettext_lazy("Post or reply"),
        model_label="community.Post",
        author_id=lambda post: post.author_id,
        group_id=lambda post: post.group_id,
        snapshot=_post_text,
        can_view=_post_can_view,
        # community owns posts: it changes them as moderation decides.
        hide=lambda post: posts.set_post_hidden(post=post, hidden=True),
        unhide=lambda post: posts.set_post_hidden(post=post, hidden=False),
        delete=lambda post: posts.remove_post(post=post),
        redact=lambda post, text: posts.redact_post(post=post, text=text or str(REDACTED)),
        context=_post_context,
        select_related=("author__profile",),
        is_anonymous=lambda post: post.is_anonymous,
    )
)


# --- Perspectives on the library's articles (community) --------------------------------------


def _perspective_text(perspective) -> str:
    parts = [perspective.content_warning, perspective.body]
    return "\n".join(part for part in parts if part)


def _perspective_context(perspective) -> list[ContextLine]:
    section = perspective.section
    return [
        ContextLine(
            author=section.article.title,
            text=section.heading,
            is_flagged=False,
            hidden=False,
        ),
        ContextLine(
            author=_("Anonymous") if perspective.is_anonymous else _pseudonym(perspective.author),
            text=_perspective_text(perspective),
            is_flagged=True,
            hidden=not perspective.is_visible,
        ),
    ]


register(
    Flaggable(
        kind="perspective",
        label=gettext_lazy("Perspective on an article"),
        model_label="community.Perspective",
        author_id=lambda perspective: perspective.author_id,
        # The library belongs to no group: site moderators review perspectives.
        group_id=lambda perspective: None,
        snapshot=_perspective_text,
        can_view=lambda user, perspective: (
            user.is_authenticated and perspective.section.article.published
        ),
        # community owns perspectives: it changes them as moderation decides.
        hide=lambda perspective: perspectives.set_perspective_hidden(
            perspective=perspective, hidden=True
        ),
        unhide=lambda perspective: perspectives.set_perspective_hidden(
            perspective=perspective, hidden=False
        ),
        delete=lambda perspective: perspectives.remove_perspective(perspective=perspective),
        redact=lambda perspective, text: perspectives.redact_perspective(
            perspective=perspective, text=text or str(REDACTED)
        ),
        context=_perspective_context,
        select_related=("author__profile", "section__article"),
        is_anonymous=lambda perspective: perspective.is_anonymous,
    )
)


# --- People in a call (a report from inside it) -----------------------------------------------


def _call_participant_snapshot(participant) -> str:
    call = participant.call
    return _("%(name)s, in a %(kind)s that began %(started)s") % {
        "name": participant.display_name,
        "kind": call.get_kind_display().lower(),
        "started": f"{call.started_at:%Y-%m-%d %H:%M} UTC",
    }


def _call_participant_can_view(user, participant) -> bool:
    """Only someone who was in the same call may report a person in it."""
    return (
        user.is_authenticated
        and user.pk != participant.user_id
        and CallParticipant.objects.filter(
            call_id=participant.call_id, user_id=user.pk, was_admitted=True
        ).exists()
    )


def _call_context(participant) -> list[ContextLine]:
    """What everyone in the call saw happen (host actions), by the names the call showed."""
    events = CallEvent.objects.filter(call_id=participant.call_id).order_by("created_at", "pk")
    return [
        ContextLine(
            author=event.subject_name or "",
            text=f"{event.created_at:%H:%M} {event.get_kind_display()}",
            is_flagged=event.subject_name == participant.display_name,
            hidden=False,
        )
        for event in events[:50]
    ]


register(
    Flaggable(
        kind="call_participant",
        label=gettext_lazy("Person in a call"),
        model_label="messaging.CallParticipant",
        author_id=lambda participant: participant.user_id,
        # A circle call's reports go to its group's moderators (and the site's); a private
        # call's, like a support thread's, to site moderators only.
        group_id=lambda participant: participant.call.conversation.group_id,
        snapshot=_call_participant_snapshot,
        can_view=_call_participant_can_view,
        # Nothing of a call is stored to hide: moderators act on the person (a sanction; the
        # host removes them from the call).
        hide=lambda participant: None,
        unhide=lambda participant: None,
        delete=lambda participant: None,
        redact=lambda participant, text: None,
        context=_call_context,
        select_related=("call__conversation",),
    )
)
