"""Sanctions that come from an anonymous post (decision 0012): the author gets a Sanction they
can read and appeal, and only site moderators ever see who it names — not in appeals, member
history, the audit log or its CSV. The reporter stays hidden from group moderators too."""

import pytest
from django.urls import reverse

from community.models import Membership
from messaging.models import Notification
from moderation.models import Appeal, AuditLogEntry, ReviewItem, Sanction
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.factories import make_member

pytestmark = pytest.mark.django_db

AUTHOR = "SecretAuthor"
REPORTER = "QuietReporter"


@pytest.fixture
def world():
    group = make_group(name="Night shift")
    author = make_member(pseudonym=AUTHOR)
    reporter = make_member(pseudonym=REPORTER)
    moderator = make_member(pseudonym="GroupModA", mfa=True)
    other_moderator = make_member(pseudonym="GroupModB", mfa=True)
    site_moderator = make_member(pseudonym="SiteModS", site_moderator=True, mfa=True)
    for user in (author, reporter):
        add_member(group, user)
    for user in (moderator, other_moderator):
        add_member(group, user, role=Membership.Role.MODERATOR)
    thread = make_thread(group, reporter, title="Open thread")
    reply = make_reply(thread, author, body="hurtful words", is_anonymous=True)
    return group, author, reporter, moderator, other_moderator, site_moderator, reply


def _act(client, actor, reply, action):
    client.force_login(actor)
    if action in {"mute_author", "remove_author", "ban_author"}:  # confirmed, with a reason
        kind = action.removesuffix("_author")
        url = reverse("moderation:post_sanction", args=[reply.group.slug, reply.pk, kind])
        return client.post(url, {"reason": "Breaks the first rule of the group."})
    url = reverse("moderation:post_moderate", args=[reply.group.slug, reply.pk])
    return client.post(url, {"action": action, "confirmed": "1"})


def _flag_hide_remove_and_appeal(client, world):
    """A reporter flags the anonymous reply, a group moderator hides it and removes its
    author, who appeals."""
    group, author, reporter, moderator, _other, _site, reply = world
    client.force_login(reporter)
    client.post(reverse("moderation:flag", args=["post", reply.pk]), {"reason": "harassment"})
    item = ReviewItem.objects.get(content_kind="post", object_id=reply.pk)
    client.force_login(moderator)
    client.post(
        reverse("moderation:item_detail", args=[item.pk]),
        {"decision": "hide", "reason": "Hurtful"},
    )
    _act(client, moderator, reply, "remove_author")
    sanction = Sanction.objects.get(user=author, kind=Sanction.Kind.REMOVE)
    client.force_login(author)
    client.post(reverse("moderation:appeal", args=[sanction.pk]), {"text": "I was provoked"})
    return sanction, Appeal.objects.get(sanction=sanction)


def _moderator_pages(client, viewer, author):
    client.force_login(viewer)
    history = reverse("moderation:member", args=[author.profile.public_id])
    urls = [
        reverse("moderation:queue") + "?status=resolved",
        reverse("moderation:appeals"),
        reverse("moderation:audit"),
        reverse("moderation:audit_csv"),
        history,
    ]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages, history


@pytest.mark.parametrize("action", ["remove_author", "ban_author"])
def test_removal_and_ban_through_an_anonymous_post_give_the_author_an_appealable_sanction(
    client, world, action
):
    group, author, _reporter, moderator, _other, _site, reply = world
    for _attempt in range(2):
        assert _act(client, moderator, reply, action).status_code == 302
    kind = Sanction.Kind.REMOVE if action == "remove_author" else Sanction.Kind.BAN
    sanction = Sanction.objects.get(user=author)  # exactly one, though it was done twice
    assert (sanction.kind, sanction.group_id, sanction.is_anonymous) == (kind, group.pk, True)
    assert AuditLogEntry.objects.filter(action=kind).count() == 1
    notice = Notification.objects.get(recipient=author, kind="sanction")
    assert notice.url == reverse("moderation:my_notices") and "GroupModA" not in notice.text

    client.force_login(author)
    page = client.get(reverse("moderation:my_notices")).content.decode()
    assert "Appeal this decision" in page
    assert reverse("moderation:appeal", args=[sanction.pk]) in page
    assert "GroupModA" not in page


def test_group_moderators_never_see_who_appeals_a_sanction_from_an_anonymous_post(client, world):
    group, author, _reporter, _moderator, other_moderator, _site, _reply = world
    sanction, appeal = _flag_hide_remove_and_appeal(client, world)

    pages, history = _moderator_pages(client, other_moderator, author)
    for url, html in pages.items():
        assert REPORTER not in html, url
        assert "I was provoked" not in html, url
        if url != history:  # the page about the person names them, of course
            assert AUTHOR not in html, url
            assert author.profile.public_id not in html, url
    # The history page about the person holds neither the sanction nor the hidden post.
    assert sanction.reason not in pages[history]
    assert "hurtful words" not in pages[history]
    # Looking the person up in the audit log finds nothing either.
    client.force_login(other_moderator)
    filtered = client.get(reverse("moderation:audit"), {"member": AUTHOR}).content.decode()
    assert "No entries." in filtered
    # Nor may a group moderator decide it.
    client.force_login(other_moderator)
    response = client.post(
        reverse("moderation:appeal_decide", args=[appeal.pk]),
        {f"appeal-{appeal.pk}-outcome": "grant", f"appeal-{appeal.pk}-note": "ok"},
    )
    assert response.status_code == 404
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.PENDING


def test_site_moderators_see_the_person_and_decide_the_appeal(client, world):
    group, author, _reporter, _moderator, _other, site_moderator, _reply = world
    sanction, appeal = _flag_hide_remove_and_appeal(client, world)

    pages, history = _moderator_pages(client, site_moderator, author)
    assert AUTHOR in pages[reverse("moderation:appeals")]
    assert "I was provoked" in pages[reverse("moderation:appeals")]
    assert sanction.reason in pages[history]
    assert AUTHOR in pages[reverse("moderation:audit")]
    assert AUTHOR in pages[reverse("moderation:audit_csv")]
    assert REPORTER in pages[reverse("moderation:audit")]

    response = client.post(
        reverse("moderation:appeal_decide", args=[appeal.pk]),
        {f"appeal-{appeal.pk}-outcome": "grant", f"appeal-{appeal.pk}-note": "Fair point"},
    )
    assert response.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.GRANTED
    assert Membership.objects.get(user=author, group=group).state == Membership.State.ACTIVE
    assert Notification.objects.filter(recipient=author, kind="appeal_outcome").exists()


def _flag_reply(client, reporter, reply) -> ReviewItem:
    client.force_login(reporter)
    client.post(reverse("moderation:flag", args=["post", reply.pk]), {"reason": "threat"})
    return ReviewItem.objects.get(content_kind="post", object_id=reply.pk)


def _warn_from_item_page(client, actor, author, item, group):
    client.force_login(actor)
    return client.post(
        reverse("moderation:member", args=[author.profile.public_id]),
        {
            "item": item.pk,
            "sanction-kind": "warn",
            "sanction-reason": "Threats are not allowed",
            "sanction-group": str(group.pk),
        },
    )


def test_a_site_moderators_sanction_on_an_anonymous_items_author_stays_with_site_moderators(
    client, world
):
    group, author, reporter, _moderator, other_moderator, site_moderator, reply = world
    item = _flag_reply(client, reporter, reply)
    assert _warn_from_item_page(client, site_moderator, author, item, group).status_code == 302
    sanction = Sanction.objects.get(user=author, kind=Sanction.Kind.WARN)
    assert (sanction.item_id, sanction.is_anonymous) == (item.pk, True)

    pages, history = _moderator_pages(client, other_moderator, author)
    assert "Threats are not allowed" not in pages[history]
    for url, html in pages.items():
        if url != history:
            assert AUTHOR not in html, url
    # The warning's audit row (with the post's snapshot) is for site moderators only.
    assert "Threats are not allowed" not in pages[reverse("moderation:audit")]
    assert "Threats are not allowed" not in pages[reverse("moderation:audit_csv")]


def test_a_group_moderator_cannot_tie_an_anonymous_item_to_a_member(client, world):
    group, author, reporter, moderator, _other, _site, reply = world
    item = _flag_reply(client, reporter, reply)
    # Naming the anonymous item on a member's page is ignored, exactly as for an item that is
    # not theirs: the warning carries no item and no snapshot of the post.
    assert _warn_from_item_page(client, moderator, author, item, group).status_code == 302
    sanction = Sanction.objects.get(user=author, kind=Sanction.Kind.WARN)
    assert (sanction.item_id, sanction.is_anonymous) == (None, False)
    entry = AuditLogEntry.objects.get(action=AuditLogEntry.Action.WARN)
    assert "hurtful words" not in entry.snapshot
