from dataclasses import dataclass

from community.models import Profile
from moderation.models import AuditLogEntry


@dataclass(frozen=True)
class ActionResult:
    """What a moderation action did. `changed` is False when it was already done: nothing was
    written the second time."""

    changed: bool
    entry: AuditLogEntry | None = None
    obj: object = None


def _pseudonym_of(user_id: int | None) -> str:
    if user_id is None:
        return ""
    return Profile.objects.filter(user_id=user_id).values_list("pseudonym", flat=True).first() or ""


def sanction_audit_group_id(sanction) -> int | None:
    """The group an audit row about `sanction` is filed under. A sanction imposed through an
    anonymous post is filed under no group, so only site moderators read its rows (the
    appellant's pseudonym would otherwise reach the group's moderators)."""
    return None if sanction.is_anonymous else sanction.group_id


def record_audit(
    *,
    actor,
    action: str,
    target_kind: str,
    target_id: int,
    target_user_id: int | None = None,
    group_id: int | None = None,
    reason: str = "",
    snapshot: str = "",
) -> AuditLogEntry:
    """Appends one audit row. Call inside the action's transaction."""
    actor_id = actor.pk if actor is not None else None
    return AuditLogEntry.objects.create(
        actor_id=actor_id,
        actor_pseudonym=_pseudonym_of(actor_id),
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        target_user_id=target_user_id,
        target_pseudonym=_pseudonym_of(target_user_id),
        group_id=group_id,
        reason=reason,
        snapshot=snapshot,
    )
