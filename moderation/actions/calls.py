"""Call host actions in the audit log. The host's controls run in messaging (they are frames
on the chat socket, messaging.services.calls); each one calls messaging.call_audit, which
moderation answers here (registered in moderation/apps.py), inside the action's transaction:
one row per change, filed under the call's group (a private call's under none: site
moderators only)."""

from messaging.models import Call
from moderation.actions.audit import AuditTarget, record_audit
from moderation.models import AuditLogEntry


def record_call_action(*, actor, call: Call, action: str, target_user_id: int | None) -> None:
    record_audit(
        actor=actor,
        action=AuditLogEntry.Action(action),
        target=AuditTarget(
            kind="call",
            id=call.pk,
            user_id=target_user_id,
            group_id=call.conversation.group_id,
        ),
    )
