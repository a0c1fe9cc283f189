"""Pin, unpin, lock, unlock, hide and unhide of posts: one audit row each, none on a repeat."""

import pytest
from django.urls import reverse

from community.models import Membership
from messaging.models import Notification
from moderation.models import AuditLogEntry, Sanction
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
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
        assert client.post(url, {"action": first, "confirmed": "1"}).status_code == 302
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.target_kind, entry.target_id) == (action, "post", thread.pk)
    assert (entry.actor_id, entry.group_id, entry.target_user_id) == (
        moderator.pk,
        group.pk,
        author.pk,
    )

    for _attempt in range(2):
        assert client.post(url, {"action": then, "confirmed": "1"}).status_code == 302
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
            reverse("moderation:post_moderate", args=[group.slug, thread.pk]),
            {"action": action, "confirmed": "1"},
        )
    assert AuditLogEntry.objects.count() == 6
    assert not AuditLogEntry.objects.exclude(target_user_id=None).exists()
    assert not AuditLogEntry.objects.filter(target_pseudonym="HiddenAuthor").exists()


def _anonymous_reply_scene():
    group = make_group(name="Late shift")
    author = make_member(pseudonym="MaskedAuthor")
    moderator = make_member(pseudonym="GroupModY", mfa=True)
    add_member(group, author)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    thread = make_thread(group, moderator, title="Open thread")
    reply = make_reply(thread, author, body="the words in question", is_anonymous=True)
    return group, author, moderator, reply


def _moderate(client, post, action):
    """A moderator's button under the post; muting, removing or banning goes through its
    confirmation, with a reason that, like the general one, does not say which post it was."""
    if action in {"mute_author", "remove_author", "ban_author"}:
        kind = action.removesuffix("_author")
        url = reverse("moderation:post_sanction", args=[post.group.slug, post.pk, kind])
        return client.post(url, {"reason": "Breaks the first rule of the group."})
    url = reverse("moderation:post_moderate", args=[post.group.slug, post.pk])
    return client.post(url, {"action": action, "confirmed": "1"})


@pytest.mark.parametrize("action", ["mute_author", "remove_author", "ban_author"])
def test_a_sanction_through_an_anonymous_post_is_one_anonymous_sanction_naming_the_post(
    client, action
):
    group, author, moderator, reply = _anonymous_reply_scene()
    client.force_login(moderator)
    for _attempt in range(2):
        assert _moderate(client, reply, action).status_code == 302
    sanction = Sanction.objects.get(user=author)
    assert (sanction.group_id, sanction.is_anonymous, sanction.created_by_id) == (
        group.pk,
        True,
        moderator.pk,
    )
    entry = AuditLogEntry.objects.get()
    assert (entry.target_kind, entry.target_id, entry.target_user_id) == ("post", reply.pk, None)
    assert (entry.group_id, entry.target_pseudonym) == (group.pk, "")
    # Neither the reason nor the member's notice says which post it was.
    notice = Notification.objects.get(recipient=author, kind="sanction").text
    for told in (sanction.reason, entry.reason, notice):
        assert "the words in question" not in told and "Open thread" not in told
    assert "GroupModY" not in notice


def test_an_author_who_rejoined_can_be_removed_again_through_another_anonymous_post(client):
    from community.services.groups import join_group

    group, author, moderator, reply = _anonymous_reply_scene()
    client.force_login(moderator)
    _moderate(client, reply, "remove_author")
    join_group(user=author, group=group, accepted_rules=True)
    later = make_reply(reply.thread, author, body="again", is_anonymous=True)
    _moderate(client, later, "remove_author")
    assert Membership.objects.get(user=author, group=group).state == Membership.State.REMOVED
    assert Sanction.objects.filter(user=author, kind="remove").count() == 2
