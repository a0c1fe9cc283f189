"""The audit row every action writes, the result every action returns, and the one rule for
whom a row may name."""

from dataclasses import dataclass

from community.models import Post, Profile
from moderation.flaggables import Flaggable, get_flaggable
from moderation.models import AuditLogEntry, ReviewItem, Sanction
from moderation.permissions import sanction_scope_group_id


@dataclass(frozen=True)
class ActionResult:
    """What a moderation action did. `changed` is False when it was already done: nothing was
    written the second time. `entry` is the action's audit row, `obj` what it acted on or made."""

    changed: bool
    entry: AuditLogEntry | None = None
    obj: object = None


@dataclass(frozen=True)
class AuditTarget:
    """What an audit row is about: a kind and id, the member it names (if any), and the group
    whose moderators read it (None: site moderators only)."""

    kind: str
    id: int
    user_id: int | None
    group_id: int | None


def content_target(*, flaggable: Flaggable, obj, group_id: int | None) -> AuditTarget:
    """The anonymous-author rule: an anonymous post's audit rows never name its author, since
    group moderators read them (decision 0012). Every row about content comes from here."""
    author_id = None if flaggable.is_anonymous(obj) else flaggable.author_id(obj)
    return AuditTarget(kind=flaggable.kind, id=obj.pk, user_id=author_id, group_id=group_id)


def item_target(*, item: ReviewItem, obj) -> AuditTarget:
    """A review item's content; once the content is gone nobody can tell whether it was
    anonymous, so the row names no one."""
    if obj is not None:
        flaggable = get_flaggable(item.content_kind)
        return content_target(flaggable=flaggable, obj=obj, group_id=item.group_id)
    return AuditTarget(
        kind=item.content_kind, id=item.object_id, user_id=None, group_id=item.group_id
    )


def post_target(*, post: Post) -> AuditTarget:
    return content_target(flaggable=get_flaggable("post"), obj=post, group_id=post.group_id)


def sanction_target(*, sanction: Sanction, post: Post | None = None) -> AuditTarget:
    """A sanction imposed through an anonymous post is recorded against the post, in its
    group, naming no one; every other row about a sanction names the member and is filed
    where the sanction may be seen (`sanction_scope_group_id`)."""
    if post is not None and post.is_anonymous:
        return post_target(post=post)
    return AuditTarget(
        kind="user",
        id=sanction.user_id,
        user_id=sanction.user_id,
        group_id=sanction_scope_group_id(sanction),
    )


def appeal_target(*, sanction: Sanction) -> AuditTarget:
    """An appeal's rows are about its sanction, and filed where the sanction may be seen."""
    return AuditTarget(
        kind="sanction",
        id=sanction.pk,
        user_id=sanction.user_id,
        group_id=sanction_scope_group_id(sanction),
    )


def _pseudonym_of(user_id: int | None) -> str:
    if user_id is None:
        return ""
    return Profile.objects.filter(user_id=user_id).values_list("pseudonym", flat=True).first() or ""


def record_audit(
    *, actor, action: str, target: AuditTarget, reason: str = "", snapshot: str = ""
) -> AuditLogEntry:
    """Appends one audit row (`actor` None: the system). Call inside the action's
    transaction."""
    actor_id = actor.pk if actor is not None else None
    return AuditLogEntry.objects.create(
        actor_id=actor_id,
        actor_pseudonym=_pseudonym_of(actor_id),
        action=action,
        target_kind=target.kind,
        target_id=target.id,
        target_user_id=target.user_id,
        target_pseudonym=_pseudonym_of(target.user_id),
        group_id=target.group_id,
        reason=reason,
        snapshot=snapshot,
    )
