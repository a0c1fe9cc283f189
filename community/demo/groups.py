"""Demo groups, memberships and a few posts for `make run`; idempotent."""

from django.utils import timezone

from community import events
from community.demo.accounts import DemoLogin
from community.models import Group, Membership, Post, Tag, User

DEMO_GROUPS = [
    {
        "name": "Speaking up at work",
        "description": "For anyone who reported, or is thinking of reporting, harassment at work.",
        "rules": "Share your own story, not other people's. No names of employers or colleagues.",
        "join_policy": Group.JoinPolicy.OPEN,
        "visibility": Group.Visibility.LISTED,
        "tags": ["reporting", "retaliation"],
    },
    {
        "name": "Women in engineering",
        "description": "A space for women and non-binary engineers facing harassment.",
        "rules": "Members only talk; moderators approve every request.",
        "join_policy": Group.JoinPolicy.REQUEST,
        "visibility": Group.Visibility.LISTED,
        "tags": ["engineering", "gender"],
        "watched_words": "Contoso\nFabrikam",
    },
    {
        "name": "Quiet circle",
        "description": "A small unlisted group; you join by invitation.",
        "rules": "What is said here stays here.",
        "join_policy": Group.JoinPolicy.INVITE,
        "visibility": Group.Visibility.UNLISTED,
        "tags": ["peer support"],
    },
]


def seed_groups() -> list[DemoLogin]:
    river = User.objects.get(email="river@example.com")
    maple = User.objects.get(email="maple@example.com")
    comet = User.objects.get(email="comet@example.com")
    now = timezone.now()
    for spec in DEMO_GROUPS:
        group = Group.objects.filter(name=spec["name"]).first()
        if group is None:
            group = Group.objects.create(
                name=spec["name"],
                description=spec["description"],
                rules=spec["rules"],
                join_policy=spec["join_policy"],
                visibility=spec["visibility"],
                watched_words=spec.get("watched_words", ""),
                status=Group.Status.ACTIVE,
            )
            group.tags.set([Tag.objects.get_or_create(name=name)[0] for name in spec["tags"]])
            # As the group services do: the live room opens with the group.
            events.publish(events.GroupOpened(group=group))
        for user, role in [(river, Membership.Role.OWNER), (maple, Membership.Role.MEMBER)]:
            Membership.objects.get_or_create(
                group=group,
                user=user,
                defaults={
                    "role": role,
                    "state": Membership.State.ACTIVE,
                    "rules_accepted_at": now,
                    "joined_at": now,
                },
            )
        if spec["join_policy"] == Group.JoinPolicy.REQUEST:
            Membership.objects.get_or_create(
                group=group,
                user=comet,
                defaults={"state": Membership.State.PENDING, "rules_accepted_at": now},
            )
        if not Post.objects.filter(group=group).exists():
            thread = Post.objects.create(
                group=group,
                author=river,
                title="Welcome — introduce yourself if you like",
                body="Say as much or as little as you want. You are not alone here.",
            )
            Post.objects.create(
                group=group,
                thread=thread,
                author=maple,
                is_anonymous=True,
                body="Thank you for starting this. It helps to know others went through it.",
            )
            Post.objects.filter(pk=thread.pk).update(reply_count=1)
    # The members' logins are printed by community.demo.accounts.seed_accounts.
    return []
