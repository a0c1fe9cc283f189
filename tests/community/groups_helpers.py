"""Builders for groups and posts in tests: real rows through the real models."""

from django.utils import timezone

from community import events
from community.models import Group, Membership, Post, Tag


def make_group(
    *,
    name: str = "Speaking up",
    visibility: str = Group.Visibility.LISTED,
    join_policy: str = Group.JoinPolicy.OPEN,
    history_policy: str = Group.HistoryPolicy.EVERYTHING,
    status: str = Group.Status.ACTIVE,
    tags: tuple[str, ...] = (),
    rules: str = "Be kind.",
) -> Group:
    group = Group.objects.create(
        name=name,
        visibility=visibility,
        join_policy=join_policy,
        history_policy=history_policy,
        status=status,
        rules=rules,
        description="A place to talk.",
    )
    if tags:
        group.tags.set([Tag.objects.get_or_create(name=tag)[0] for tag in tags])
    if status == Group.Status.ACTIVE:
        # As the group services do when a group opens: its live room opens with it.
        events.publish(events.GroupOpened(group=group))
    return group


def add_member(
    group: Group,
    user,
    *,
    role: str = Membership.Role.MEMBER,
    state: str = Membership.State.ACTIVE,
    joined_at=None,
) -> Membership:
    """`user`'s membership of `group`, made or changed to this role and state (rules
    accepted), as joining and appointing would leave it. The one builder every test uses."""
    now = timezone.now()
    membership, _created = Membership.objects.update_or_create(
        group=group,
        user=user,
        defaults={
            "role": role,
            "state": state,
            "rules_accepted_at": now,
            "joined_at": (joined_at or now) if state == Membership.State.ACTIVE else None,
        },
    )
    return membership


def make_thread(
    group: Group,
    author,
    *,
    title: str = "A thread",
    body: str = "Hello.",
    is_anonymous: bool = False,
    **extra,
) -> Post:
    return Post.objects.create(
        group=group, author=author, title=title, body=body, is_anonymous=is_anonymous, **extra
    )


def make_reply(
    thread: Post, author, *, body: str = "I hear you.", is_anonymous: bool = False, **extra
) -> Post:
    return Post.objects.create(
        group_id=thread.group_id,
        thread=thread,
        author=author,
        body=body,
        is_anonymous=is_anonymous,
        **extra,
    )
