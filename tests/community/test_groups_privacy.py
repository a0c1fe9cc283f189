"""Every group page a fellow member or a group moderator can reach, crawled: no email ever,
and nothing that names the author of an anonymous post (invariant 1 and issue 3)."""

import pytest
from django.test import Client

from community.models import GroupInvite, Membership
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.crawl import crawl
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_group():
    group = make_group(name="Crawled group")
    owner = make_member(email="owner.private@example.org", pseudonym="OwnerOak")
    add_member(group, owner, role=Membership.Role.OWNER)
    hidden = make_member(email="hidden.private@example.org", pseudonym="HiddenHeron")
    add_member(group, hidden)
    named = make_thread(group, owner, title="Named thread", body="Hello from the owner.")
    anonymous = make_thread(group, hidden, title="Anonymous thread", is_anonymous=True)
    make_reply(named, hidden, body="An anonymous reply.", is_anonymous=True)
    make_reply(anonymous, owner, body="A named reply.")
    GroupInvite.objects.create(
        group=group, created_by=owner, expires_at="2999-01-01T00:00:00Z", max_uses=3
    )
    return group, owner, hidden


def _crawl_as(user, group):
    client = Client()
    client.force_login(user)
    return crawl(client, ["/groups/", f"/groups/{group.slug}/"], limit=80)


# Moderator pages whose purpose is to list or name the group's members: the live room's
# controls (its member list) and one member's history (reached from that list).
PAGES_THAT_NAME_MEMBERS = ("/moderation/members/", "/moderation/groups/")


@pytest.mark.parametrize("role", [Membership.Role.MEMBER, Membership.Role.MODERATOR])
def test_group_pages_never_show_an_email_or_an_anonymous_author(busy_group, role):
    group, owner, hidden = busy_group
    viewer = make_member(mfa=True)
    add_member(group, viewer, role=role)
    pages = _crawl_as(viewer, group)
    paths = {page.path for page in pages}
    assert any("/threads/" in path for path in paths)
    if role == Membership.Role.MODERATOR:
        assert any(path.endswith("/history/") for path in paths)
        assert f"/groups/{group.slug}/invites/" in paths
    for page in pages:
        assert "private@example.org" not in page.html, page.path
        if page.path.startswith(PAGES_THAT_NAME_MEMBERS):
            # Being a member is no secret from a group moderator; having written the
            # anonymous posts is.
            assert "Anonymous thread" not in page.html, page.path
            assert "An anonymous reply" not in page.html, page.path
            continue
        assert "HiddenHeron" not in page.html, page.path
        assert hidden.profile.public_id not in page.html, page.path
        assert hidden.profile.avatar_seed not in page.html, page.path
        # An invite never says who made it.
        if "/invites/" in page.path:
            assert "OwnerOak" not in page.html, page.path
