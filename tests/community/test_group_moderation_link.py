"""The group page links its moderators to the moderation queue, and nobody else."""

import pytest
from django.urls import reverse

from community.models import Membership
from tests.community.groups_helpers import add_member, make_group
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _has_queue_link(client, user, group) -> bool:
    client.force_login(user)
    response = client.get(reverse("group_detail", args=[group.slug]))
    assert response.status_code == 200
    return f'href="{reverse("moderation:queue")}"' in response.content.decode()


def test_group_moderators_and_owners_get_a_queue_link_on_their_group_page(client):
    group = make_group()
    moderator, owner = make_member(mfa=True), make_member(mfa=True)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    add_member(group, owner, role=Membership.Role.OWNER)
    assert _has_queue_link(client, moderator, group)
    assert _has_queue_link(client, owner, group)
    # The link leads somewhere they may go.
    assert client.get(reverse("moderation:queue")).status_code == 200


def test_members_and_moderators_of_other_groups_get_no_queue_link(client):
    group, other_group = make_group(), make_group(name="Elsewhere")
    member, elsewhere_moderator = make_member(), make_member(mfa=True)
    add_member(group, member)
    add_member(group, elsewhere_moderator)
    add_member(other_group, elsewhere_moderator, role=Membership.Role.MODERATOR)
    assert not _has_queue_link(client, member, group)
    assert not _has_queue_link(client, elsewhere_moderator, group)
    assert _has_queue_link(client, elsewhere_moderator, other_group)
