"""Moderation test data: a group with a live room, its moderator, an author and a reporter."""

import itertools
from dataclasses import dataclass

import pyotp
import pytest

from community.models import Group, Membership
from messaging.models import Conversation, Message
from tests.community.groups_helpers import add_member
from tests.factories import make_member, make_message

_client_ids = itertools.count(1)


def make_room(*, name="Night shift", members=(), moderators=()) -> Conversation:
    group = Group.objects.create(name=name)
    for user in members:
        add_member(group=group, user=user)
    for user in moderators:
        add_member(group=group, user=user, role=Membership.Role.MODERATOR)
    return Conversation.objects.create(kind=Conversation.Kind.ROOM, group=group)


def post_message(*, room: Conversation, sender, body: str = "you again?") -> Message:
    return make_message(
        conversation=room, sender=sender, body=body, client_id=f"t-{next(_client_ids)}"
    )


def mfa_client(client, user):
    """A signed-in client for a moderator with two-factor enabled."""
    client.force_login(user)
    return client


def totp_code(user) -> str:
    return pyotp.TOTP(user.totp_secret).now()


@dataclass
class Scene:
    room: Conversation
    group: Group
    moderator: object  # group moderator, with two-factor
    second_moderator: object
    site_moderator: object
    author: object
    reporter: object
    bystander: object


def build_scene() -> Scene:
    moderator = make_member(pseudonym="GroupMod01", mfa=True)
    second_moderator = make_member(pseudonym="GroupMod02", mfa=True)
    site_moderator = make_member(pseudonym="SiteMod01", site_moderator=True, mfa=True)
    author = make_member(pseudonym="LoudAuthor")
    reporter = make_member(pseudonym="QuietReporter")
    bystander = make_member(pseudonym="Bystander9")
    room = make_room(
        members=[author, reporter, bystander], moderators=[moderator, second_moderator]
    )
    return Scene(
        room=room,
        group=room.group,
        moderator=moderator,
        second_moderator=second_moderator,
        site_moderator=site_moderator,
        author=author,
        reporter=reporter,
        bystander=bystander,
    )


@pytest.fixture
def scene(db) -> Scene:
    return build_scene()
