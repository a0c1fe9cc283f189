"""Posts carry a Report link to the moderation app's flag form, except the viewer's own posts
and tombstones; following it files a flag on that post."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Membership
from moderation.models import Flag, ReviewItem
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _report_paths(html: str) -> set[str]:
    return set(re.findall(r'href="(/flag/post/\d+/)\?', html))


def test_member_sees_report_links_on_others_posts_but_not_on_own_or_tombstones(client):
    group = make_group()
    reader, writer = make_member(pseudonym="Reader01"), make_member(pseudonym="Writer01")
    add_member(group, reader)
    add_member(group, writer)
    thread = make_thread(group, writer, title="Thread by writer")
    anonymous_reply = make_reply(thread, writer, body="anonymous words", is_anonymous=True)
    own_reply = make_reply(thread, reader, body="my own words")
    deleted = make_reply(thread, writer, body="", deleted_at=timezone.now())
    hidden = make_reply(thread, writer, body="hidden words", hidden_at=timezone.now())
    client.force_login(reader)

    html = client.get(reverse("thread_detail", args=[group.slug, thread.pk])).content.decode()

    assert _report_paths(html) == {f"/flag/post/{thread.pk}/", f"/flag/post/{anonymous_reply.pk}/"}
    for post in (own_reply, deleted, hidden):
        assert f"/flag/post/{post.pk}/" not in html


def test_flagging_through_the_report_link_files_one_flag_and_comes_back(client):
    group = make_group()
    reader, writer = make_member(), make_member()
    moderator = make_member(mfa=True)
    add_member(group, reader)
    add_member(group, writer)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    thread = make_thread(group, writer, title="Thread by writer")
    reply = make_reply(thread, writer, body="a hurtful reply")
    thread_path = reverse("thread_detail", args=[group.slug, thread.pk])
    client.force_login(reader)

    html = client.get(thread_path).content.decode()
    link = re.search(rf'href="(/flag/post/{reply.pk}/\?next=[^"]+)"', html).group(1)
    assert client.get(link).status_code == 200
    response = client.post(link, {"reason": "harassment", "details": "aimed at me"})

    assert response.status_code == 302
    assert response["Location"] == thread_path
    item = ReviewItem.objects.get(content_kind="post", object_id=reply.pk)
    assert item.group_id == group.pk
    flag = Flag.objects.get(item=item)
    assert (flag.flagger_id, flag.reason, flag.details) == (reader.pk, "harassment", "aimed at me")
    # The group's moderator now finds it in the queue.
    client.force_login(moderator)
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert reverse("moderation:item_detail", args=[item.pk]) in queue
