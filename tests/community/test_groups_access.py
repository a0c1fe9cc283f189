"""Walks every group URL as people who must not see inside: DESIGN.md invariant 6."""

import pytest
from django.urls import reverse

from community.models import Group, GroupInvite, Membership
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.factories import make_member

pytestmark = pytest.mark.django_db

SECRET_WORDS = ("Hidden circle", "secret thread title", "secret reply body")


def _group_with_content(visibility):
    group = make_group(name="Hidden circle", visibility=visibility)
    owner = make_member()
    add_member(group, owner, role=Membership.Role.OWNER)
    thread = make_thread(group, owner, title="secret thread title")
    reply = make_reply(thread, owner, body="secret reply body")
    invite = GroupInvite.objects.create(
        group=group, created_by=owner, expires_at="2999-01-01T00:00:00Z", max_uses=5
    )
    membership = Membership.objects.get(group=group, user=owner)
    return group, thread, reply, invite, membership


def _inside_urls(group, thread, reply, invite, membership):
    """Everything inside a group: only readers may get anything but 404."""
    slug = group.slug
    return [
        ("get", reverse("thread_new", args=[slug])),
        ("post", reverse("thread_new", args=[slug])),
        ("get", reverse("thread_detail", args=[slug, thread.pk])),
        ("post", reverse("thread_detail", args=[slug, thread.pk])),
        ("get", reverse("post_edit", args=[slug, reply.pk])),
        ("post", reverse("post_delete", args=[slug, reply.pk])),
        ("post", reverse("post_react", args=[slug, reply.pk])),
        ("post", reverse("moderation:post_moderate", args=[slug, reply.pk])),
        ("get", reverse("post_history", args=[slug, reply.pk])),
        ("get", reverse("group_requests", args=[slug])),
        ("post", reverse("group_request_decide", args=[slug, membership.pk])),
        ("get", reverse("group_invites", args=[slug])),
        ("get", reverse("group_members", args=[slug])),
        ("post", reverse("group_members", args=[slug])),
        ("get", reverse("group_settings", args=[slug])),
        ("post", reverse("group_settings", args=[slug])),
        ("post", reverse("group_invite_revoke", args=[slug, invite.pk])),
    ]


def _about_urls(group):
    slug = group.slug
    return [
        ("get", reverse("group_detail", args=[slug])),
        ("get", reverse("group_join", args=[slug])),
        ("post", reverse("group_join", args=[slug])),
        ("post", reverse("group_leave", args=[slug])),
    ]


def _outsiders():
    """A non-member, a pending member and a banned member (set up per group below)."""
    return ["non_member", "pending", "banned", "left", "removed"]


def _login_as(client, group, kind):
    user = make_member()
    state = {
        "pending": Membership.State.PENDING,
        "banned": Membership.State.BANNED,
        "left": Membership.State.LEFT,
        "removed": Membership.State.REMOVED,
    }.get(kind)
    if state:
        add_member(group, user, state=state)
    client.force_login(user)
    return user


def _assert_404_without_leak(response):
    assert response.status_code == 404, response
    body = response.content.decode()
    for word in SECRET_WORDS:
        assert word not in body


@pytest.mark.parametrize("kind", _outsiders())
def test_outsiders_get_404_for_everything_in_an_unlisted_group(client, kind):
    group, thread, reply, invite, membership = _group_with_content(Group.Visibility.UNLISTED)
    _login_as(client, group, kind)
    for method, url in _inside_urls(group, thread, reply, invite, membership) + _about_urls(group):
        _assert_404_without_leak(getattr(client, method)(url))
    # The directory and search never show it either.
    directory = client.get(reverse("group_directory"), {"q": "Hidden"}).content.decode()
    assert "Hidden circle" not in directory


@pytest.mark.parametrize("kind", _outsiders())
def test_outsiders_get_404_for_the_posts_of_a_listed_group(client, kind):
    group, thread, reply, invite, membership = _group_with_content(Group.Visibility.LISTED)
    _login_as(client, group, kind)
    for method, url in _inside_urls(group, thread, reply, invite, membership):
        _assert_404_without_leak(getattr(client, method)(url))
    about = client.get(reverse("group_detail", args=[group.slug]))
    assert about.status_code == 200
    assert "secret thread title" not in about.content.decode()


@pytest.mark.parametrize("visibility", [Group.Visibility.LISTED, Group.Visibility.UNLISTED])
def test_anonymous_visitors_are_sent_to_sign_in_the_same_way_as_for_a_made_up_group(
    client, visibility
):
    group, thread, reply, invite, membership = _group_with_content(visibility)
    real = _inside_urls(group, thread, reply, invite, membership) + _about_urls(group)
    made_up = make_group(name="Decoy")
    made_up_slug = made_up.slug
    made_up.delete()  # a slug that does not exist (any more)
    for method, url in real:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        fake = getattr(client, method)(url.replace(group.slug, made_up_slug))
        assert fake.status_code == 302
        assert fake.url.replace(made_up_slug, group.slug) == response.url


def test_the_same_member_gets_in_once_active(client):
    group, thread, reply, invite, membership = _group_with_content(Group.Visibility.UNLISTED)
    user = make_member()
    add_member(group, user)
    client.force_login(user)
    page = client.get(reverse("thread_detail", args=[group.slug, thread.pk])).content.decode()
    assert "secret thread title" in page and "secret reply body" in page
