"""Room controls: a group's moderators lock the live room, slow it down or keep links to
moderators. Each writes one audit row and tells the room's sockets on commit; the room
consumer enforces the settings on every message."""

from django.db import transaction
from django.utils.translation import gettext as _

from messaging.models import Conversation
from moderation import live
from moderation.actions.audit import ActionResult, AuditTarget, record_audit
from moderation.models import AuditLogEntry
from moderation.permissions import check_control_room

MAX_SLOW_MODE_SECONDS = 3600


def _change_room(
    *, actor, conversation: Conversation, field: str, value, action: str, reason: str
) -> ActionResult:
    check_control_room(actor, conversation)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if getattr(conversation, field) == value:
            return ActionResult(changed=False, obj=conversation)
        setattr(conversation, field, value)
        conversation.save(update_fields=[field])
        entry = record_audit(
            actor=actor,
            action=action,
            target=AuditTarget(
                kind="room", id=conversation.pk, user_id=None, group_id=conversation.group_id
            ),
            reason=reason,
        )
        transaction.on_commit(lambda: live.broadcast_room_event(conversation=conversation))
    return ActionResult(changed=True, entry=entry, obj=conversation)


def lock_room(*, actor, conversation: Conversation, locked: bool, reason: str = "") -> ActionResult:
    """Locked: read-only for everyone ("end for all") until unlocked."""
    action = AuditLogEntry.Action.LOCK_ROOM if locked else AuditLogEntry.Action.UNLOCK_ROOM
    return _change_room(
        actor=actor,
        conversation=conversation,
        field="locked",
        value=locked,
        action=action,
        reason=reason,
    )


def set_slow_mode(
    *, actor, conversation: Conversation, seconds: int, reason: str = ""
) -> ActionResult:
    if not 0 <= seconds <= MAX_SLOW_MODE_SECONDS:
        raise ValueError(_("Slow mode is between 0 and 3600 seconds."))
    return _change_room(
        actor=actor,
        conversation=conversation,
        field="slow_mode_seconds",
        value=seconds,
        action=AuditLogEntry.Action.SLOW_MODE,
        reason=reason or str(seconds),
    )


def restrict_links(
    *, actor, conversation: Conversation, restricted: bool, reason: str = ""
) -> ActionResult:
    action = AuditLogEntry.Action.RESTRICT_LINKS if restricted else AuditLogEntry.Action.ALLOW_LINKS
    return _change_room(
        actor=actor,
        conversation=conversation,
        field="links_restricted",
        value=restricted,
        action=action,
        reason=reason,
    )


def update_room_controls(
    *,
    actor,
    conversation: Conversation,
    locked: bool,
    slow_mode_seconds: int,
    links_restricted: bool,
    reason: str = "",
) -> list[ActionResult]:
    """The host-controls form: applies each of the three actions above; only the ones that
    change something are logged. One result per action."""
    return [
        lock_room(actor=actor, conversation=conversation, locked=locked, reason=reason),
        set_slow_mode(
            actor=actor, conversation=conversation, seconds=slow_mode_seconds, reason=reason
        ),
        restrict_links(
            actor=actor, conversation=conversation, restricted=links_restricted, reason=reason
        ),
    ]
