"""The one reviewer rule (moderation/permissions.py): who may review an item or decide an
appeal. Never someone it is about; when no moderator is left who may, it falls to staff."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Membership, Post
from messaging.models import Notification
from moderation.actions.appeal import submit_appeal
from moderation.actions.sanction import sanction_member
from moderation.models import Appeal, AuditLogEntry, ReviewItem, Sanction
from tests.factories import make_member
from tests.moderation.conftest import add_member, make_room, post_message

pytestmark = pytest.mark.django_db


def _decide_url(appeal):
    return reverse("moderation:appeal_decide", args=[appeal.pk])


def _decide(client, appeal, outcome="grant", note="Reviewed by someone else"):
    prefix = f"appeal-{appeal.pk}"
    return client.post(_decide_url(appeal), {f"{prefix}-outcome": outcome, f"{prefix}-note": note})


def _ban_and_appeal(client, site_moderator, member) -> Appeal:
    """A site moderator bans `member` from a group that has no moderators of its own; the
    member appeals from their notices page."""
    room = make_room(name="No moderators here", members=[member])
    client.force_login(site_moderator)
    client.post(
        reverse("moderation:member", args=[member.profile.public_id]),
        {"sanction-kind": "ban", "sanction-reason": "Threats", "sanction-group": room.group_id},
    )
    sanction = Sanction.objects.get(user=member, kind=Sanction.Kind.BAN)
    client.force_login(member)
    client.post(reverse("moderation:appeal", args=[sanction.pk]), {"text": "It was a quote"})
    return Appeal.objects.get(sanction=sanction)


def test_an_appeal_against_the_only_site_moderator_falls_to_staff(client):
    only_site_moderator = make_member(pseudonym="OnlySiteMod", site_moderator=True, mfa=True)
    staff = make_member(pseudonym="StaffOne", staff=True, mfa=True)
    member = make_member(pseudonym="Appellant7")
    appeal = _ban_and_appeal(client, only_site_moderator, member)

    # The moderator who decided it never sees it to judge...
    client.force_login(only_site_moderator)
    assert "It was a quote" not in client.get(reverse("moderation:appeals")).content.decode()
    # ...so staff do: it is listed for them, and they decide it.
    client.force_login(staff)
    page = client.get(reverse("moderation:appeals"))
    assert page.status_code == 200 and "It was a quote" in page.content.decode()
    assert _decide(client, appeal).status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by_id) == (Appeal.Status.GRANTED, staff.pk)
    assert Membership.objects.get(user=member, group=appeal.sanction.group).state == "active"
    assert AuditLogEntry.objects.filter(action="appeal_granted", actor_id=staff.pk).count() == 1
    notice = Notification.objects.get(recipient=member, kind="appeal_outcome")
    assert "StaffOne" not in notice.text and "OnlySiteMod" not in notice.text


def test_staff_neither_see_nor_decide_an_appeal_a_moderator_may_decide(client):
    deciding = make_member(site_moderator=True, mfa=True)
    make_member(site_moderator=True, mfa=True)  # a second site moderator: it is theirs
    staff = make_member(staff=True, mfa=True)
    appeal = _ban_and_appeal(client, deciding, make_member())
    client.force_login(staff)
    assert "It was a quote" not in client.get(reverse("moderation:appeals")).content.decode()
    assert _decide(client, appeal).status_code == 404
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.PENDING


def test_staff_need_two_factor_to_decide_what_falls_to_them(client):
    site_moderator = make_member(site_moderator=True, mfa=True)
    staff = make_member(staff=True)
    appeal = _ban_and_appeal(client, site_moderator, make_member())
    client.force_login(staff)
    response = client.get(reverse("moderation:appeals"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    assert _decide(client, appeal).status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.PENDING


def test_a_suspension_by_the_only_site_moderator_is_appealed_to_staff(client):

    site_moderator = make_member(site_moderator=True, mfa=True)
    staff = make_member(staff=True, mfa=True)
    member = make_member()
    suspension = sanction_member(
        actor=site_moderator, target=member, kind="suspend", reason="Site-wide"
    ).obj
    appeal = submit_appeal(appellant=member, sanction=suspension, text="Please look again").obj
    client.force_login(staff)
    assert "Please look again" in client.get(reverse("moderation:appeals")).content.decode()
    assert _decide(client, appeal).status_code == 302
    member.refresh_from_db()
    assert member.is_active and Appeal.objects.get().status == Appeal.Status.GRANTED


def test_a_muted_moderator_never_decides_their_own_appeal(client, scene):

    mute = sanction_member(
        actor=scene.second_moderator,
        target=scene.moderator,
        kind="mute",
        reason="Cool off",
        group=scene.group,
        ends_at=timezone.now() + timedelta(hours=1),
    ).obj
    appeal = submit_appeal(appellant=scene.moderator, sanction=mute, text="Not me").obj
    client.force_login(scene.moderator)  # still a moderator of the group
    assert "Not me" not in client.get(reverse("moderation:appeals")).content.decode()
    assert _decide(client, appeal).status_code == 404
    client.force_login(scene.site_moderator)
    assert "Not me" in client.get(reverse("moderation:appeals")).content.decode()


def _flag_message_of(client, *, author, reporter, room) -> ReviewItem:
    message = post_message(room=room, sender=author, body="flag me")
    client.force_login(reporter)
    client.post(reverse("moderation:flag", args=["message", message.pk]), {"reason": "threat"})
    return ReviewItem.objects.get(object_id=message.pk)


def test_a_moderator_never_reviews_what_they_wrote(client, scene):
    item = _flag_message_of(
        client, author=scene.moderator, reporter=scene.reporter, room=scene.room
    )
    client.force_login(scene.moderator)
    assert "flag me" not in client.get(reverse("moderation:queue")).content.decode()
    assert client.get(reverse("moderation:item_detail", args=[item.pk])).status_code == 404
    client.force_login(scene.second_moderator)
    assert "flag me" in client.get(reverse("moderation:queue")).content.decode()


def test_what_no_moderator_may_review_falls_to_staff_who_are_alerted_and_decide(client):
    author, reporter = make_member(), make_member()
    staff = make_member(pseudonym="StaffTwo", staff=True, mfa=True)
    room = make_room(name="Unmoderated", members=[author, reporter])  # no moderator anywhere
    item = _flag_message_of(client, author=author, reporter=reporter, room=room)
    assert set(
        Notification.objects.filter(kind="moderation.new_report").values_list(
            "recipient_id", flat=True
        )
    ) == {staff.pk}
    client.force_login(staff)
    assert "flag me" in client.get(reverse("moderation:queue")).content.decode()
    page = client.get(reverse("moderation:item_detail", args=[item.pk])).content.decode()
    assert "flag me" in page and 'id="sanction-heading"' not in page  # staff do not sanction
    response = client.post(
        reverse("moderation:item_detail", args=[item.pk]), {"decision": "hide", "reason": "Threat"}
    )
    assert response.status_code == 302
    assert ReviewItem.objects.get(pk=item.pk).decision == "hide"
    # As soon as the group has a moderator, it is theirs and no longer staff's.
    add_member(group=room.group, user=make_member(mfa=True), role="moderator")
    assert client.get(reverse("moderation:item_detail", args=[item.pk])).status_code == 404


def test_staff_see_an_anonymous_posts_author_no_more_than_group_moderators_do(client):

    author, reporter = make_member(pseudonym="HiddenPen"), make_member()
    staff = make_member(staff=True, mfa=True)
    room = make_room(name="Unmoderated", members=[author, reporter])
    post = Post.objects.create(group=room.group, author=author, body="anon", is_anonymous=True)
    client.force_login(reporter)
    client.post(reverse("moderation:flag", args=["post", post.pk]), {"reason": "hate"})
    item = ReviewItem.objects.get(content_kind="post")
    client.force_login(staff)
    page = client.get(reverse("moderation:item_detail", args=[item.pk])).content.decode()
    assert "anon" in page and "HiddenPen" not in page


def test_staff_decide_an_anonymous_authors_appeal_without_learning_who_it_is(client):
    site_moderator = make_member(site_moderator=True, mfa=True)  # the only one
    staff = make_member(staff=True, mfa=True)
    author, other = make_member(pseudonym="VeiledAuthor"), make_member()
    room = make_room(name="Quiet room", members=[author, other])
    thread = Post.objects.create(group=room.group, author=other, title="Open", body="Open")
    reply = Post.objects.create(
        group=room.group, author=author, thread=thread, body="anon words", is_anonymous=True
    )
    client.force_login(site_moderator)
    client.post(
        reverse("moderation:post_sanction", args=[room.group.slug, reply.pk, "mute"]),
        {"reason": ""},
    )
    mute = Sanction.objects.get(user=author)
    appeal = submit_appeal(appellant=author, sanction=mute, text="I meant no harm").obj
    client.force_login(staff)
    page = client.get(reverse("moderation:appeals")).content.decode()
    assert "I meant no harm" in page
    assert "VeiledAuthor" not in page and author.profile.public_id not in page
    assert _decide(client, appeal, outcome="deny").status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.DENIED
