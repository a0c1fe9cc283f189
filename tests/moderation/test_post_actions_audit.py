"""Pin, unpin, lock, unlock, hide and unhide of posts: one audit row each, none on a repeat."""

import pytest
from django.urls import reverse

from community.models import Membership
from moderation.models import AuditLogEntry
from tests.community.groups_helpers import add_member, make_group, make_thread
from tests.factories import make_member

pytestmark = pytest.mark.django_db

Action = AuditLogEntry.Action


@pytest.mark.parametrize(
    ("first", "then", "action", "undo_action"),
    [
        ("pin", "unpin", Action.PIN, Action.UNPIN),
        ("lock", "unlock", Action.LOCK, Action.UNLOCK),
        ("hide", "unhide", Action.HIDE, Action.UNHIDE),
    ],
)
def test_each_post_action_writes_one_audit_row_and_nothing_when_repeated(
    client, first, then, action, undo_action
):
    group = make_group()
    author = make_member(pseudonym="ThreadAuthor")
    moderator = make_member(pseudonym="GroupModX", mfa=True)
    add_member(group, author)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    thread = make_thread(group, author, title="Watch this thread")
    url = reverse("moderation:post_moderate", args=[group.slug, thread.pk])
    client.force_login(moderator)

    for _attempt in range(2):
        assert client.post(url, {"action": first}).status_code == 302
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.target_kind, entry.target_id) == (action, "post", thread.pk)
    assert (entry.actor_id, entry.group_id, entry.target_user_id) == (
        moderator.pk,
        group.pk,
        author.pk,
    )

    for _attempt in range(2):
        assert client.post(url, {"action": then}).status_code == 302
    assert list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True)) == [
        action,
        undo_action,
    ]
    # The audit page shows the new actions by their labels.
    html = client.get(reverse("moderation:audit")).content.decode()
    assert str(Action(undo_action).label) in html


def test_audit_rows_of_an_anonymous_thread_do_not_name_its_author(client):
    group = make_group()
    author = make_member(pseudonym="HiddenAuthor")
    moderator = make_member(mfa=True)
    add_member(group, author)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    thread = make_thread(group, author, title="Anonymous thread", is_anonymous=True)
    client.force_login(moderator)
    for action in ("pin", "lock", "hide", "unhide", "unlock", "unpin"):
        client.post(
            reverse("moderation:post_moderate", args=[group.slug, thread.pk]), {"action": action}
        )
    assert AuditLogEntry.objects.count() == 6
    assert not AuditLogEntry.objects.exclude(target_user_id=None).exists()
    assert not AuditLogEntry.objects.filter(target_pseudonym="HiddenAuthor").exists()
