"""Who a member keeps out of their sight, and who may not write in a group now: questions
community and messaging ask everywhere (a thread, a room, a profile), answered by the
moderation app, which owns blocks, mutes and sanctions (docs/architecture.md,
"Dependencies").

moderation registers its answers in its `AppConfig.ready()` (`register(...)`). Until it does
(or in a project without it) nobody is hidden, blocked or muted.
"""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Restrictions:
    # viewer id → ids of members whose content the viewer must not see (blocked or muted).
    hidden_author_ids: object = lambda *, viewer_id: set()
    # Whether `owner_id` blocked (not merely muted) `target_id`.
    has_blocked: object = lambda *, owner_id, target_id: False
    # When `user_id`'s mute in `group_id` ends, or None.
    mute_ends_at: object = lambda *, user_id, group_id: None
    # member id → ids of members kept apart from them either way: those they blocked or
    # muted, and those who blocked or muted them.
    kept_apart_ids: object = lambda *, user_id: set()


_current = Restrictions()


def register(restrictions: Restrictions) -> None:
    global _current
    _current = restrictions


def hidden_author_ids(*, viewer_id: int) -> set[int]:
    return _current.hidden_author_ids(viewer_id=viewer_id)


def has_blocked(*, owner_id: int, target_id: int) -> bool:
    return _current.has_blocked(owner_id=owner_id, target_id=target_id)


def mute_ends_at(*, user_id: int, group_id: int) -> datetime | None:
    return _current.mute_ends_at(user_id=user_id, group_id=group_id)


def kept_apart_ids(*, user_id: int) -> set[int]:
    """Members who must not reach `user_id`, nor be reached by them, through a mention: the
    ones `user_id` blocked or muted and the ones who blocked or muted `user_id`."""
    return _current.kept_apart_ids(user_id=user_id)
