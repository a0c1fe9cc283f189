"""Who sees what: flagger identity, moderator identity, queue scope (DESIGN.md invariant 7)."""

from django.urls import reverse

from messaging.models import Notification
from moderation.actions.decide import decide_item
from moderation.actions.flag import flag_content
from moderation.actions.sanction import sanction_member
from moderation.flaggables import get_flaggable
from moderation.models import ReviewItem
from moderation.policy import Reason
from tests.factories import make_member
from tests.moderation.conftest import make_room, post_message

MESSAGE = get_flaggable("message")


def _flagged(scene, body="get out of this group"):
    message = post_message(room=scene.room, sender=scene.author, body=body)
    return flag_content(
        flagger=scene.reporter,
        flaggable=MESSAGE,
        obj=message,
        reason=Reason.HARASSMENT,
        details="it keeps happening",
    ).obj.item


def test_group_moderator_sees_the_reason_but_not_the_flagger(client, scene):
    item = _flagged(scene)
    client.force_login(scene.moderator)
    page = client.get(reverse("moderation:item_detail", args=[item.pk])).content.decode()
    assert "Harassment" in page and "it keeps happening" in page
    assert "QuietReporter" not in page


def test_site_moderator_sees_who_flagged(client, scene):
    item = _flagged(scene)
    client.force_login(scene.site_moderator)
    page = client.get(reverse("moderation:item_detail", args=[item.pk])).content.decode()
    assert "reported by QuietReporter" in page


def test_flagged_member_never_learns_who_flagged_or_who_decided(client, scene):
    item = _flagged(scene)
    decide_item(actor=scene.moderator, item=item, decision="hide", reason="Personal attack")
    sanction_member(
        actor=scene.moderator, target=scene.author, kind="warn", reason="Be kind", group=scene.group
    )
    client.force_login(scene.author)
    texts = " ".join(
        Notification.objects.filter(recipient=scene.author).values_list("text", flat=True)
    )
    notices = client.get(reverse("moderation:my_notices")).content.decode()
    for visible in (texts, notices):
        assert "QuietReporter" not in visible
        assert "GroupMod01" not in visible
    assert "a moderator" in texts.lower() and "Personal attack" in texts
    assert "a moderator" in notices.lower()
    # The author cannot open the item, the audit log or the queue either.
    assert client.get(reverse("moderation:item_detail", args=[item.pk])).status_code == 404
    assert client.get(reverse("moderation:queue")).status_code == 404


def test_reporter_is_told_the_outcome_without_detail(scene):
    item = _flagged(scene)
    decide_item(actor=scene.moderator, item=item, decision="delete", reason="Doxxing LoudAuthor")
    notice = Notification.objects.get(recipient=scene.reporter, kind="flag_outcome")
    assert "action taken" in notice.text
    assert "LoudAuthor" not in notice.text and "GroupMod01" not in notice.text


def test_reporter_hears_no_action_when_kept(scene):
    item = _flagged(scene)
    decide_item(actor=scene.moderator, item=item, decision="keep", reason="ok")
    assert (
        "no action" in Notification.objects.get(recipient=scene.reporter, kind="flag_outcome").text
    )


def test_group_moderator_queue_holds_only_their_groups(client, scene):
    mine = _flagged(scene, body="in my group")
    other_author, other_reporter = make_member(), make_member()
    other_room = make_room(name="Elsewhere", members=[other_author, other_reporter])
    elsewhere = flag_content(
        flagger=other_reporter,
        flaggable=MESSAGE,
        obj=post_message(room=other_room, sender=other_author, body="in another group"),
        reason=Reason.SPAM,
    ).obj.item
    profile_item = flag_content(
        flagger=scene.reporter,
        flaggable=get_flaggable("profile"),
        obj=scene.author.profile,
        reason=Reason.DOXXING,
    ).obj.item
    client.force_login(scene.moderator)
    page = client.get(reverse("moderation:queue")).content.decode()
    assert "in my group" in page
    assert "in another group" not in page and "LoudAuthor" not in page
    assert client.get(reverse("moderation:item_detail", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("moderation:item_detail", args=[profile_item.pk])).status_code == 404

    client.force_login(scene.site_moderator)
    page = client.get(reverse("moderation:queue")).content.decode()
    assert "in my group" in page and "in another group" in page
    assert ReviewItem.objects.count() == 3 and mine.pk


def test_dashboard_is_404_for_members_and_needs_two_factor_for_moderators(client, scene):
    client.force_login(scene.reporter)
    for name in ("moderation:queue", "moderation:audit", "moderation:appeals"):
        assert client.get(reverse(name)).status_code == 404, name
    no_mfa_moderator = make_member(site_moderator=True)
    client.force_login(no_mfa_moderator)
    response = client.get(reverse("moderation:queue"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    client.force_login(scene.moderator)
    assert client.get(reverse("moderation:queue")).status_code == 200


def test_member_without_mfa_gets_sent_to_setup_not_shown_the_queue(client, scene):
    client.force_login(scene.reporter)
    response = client.get(reverse("moderation:queue"))
    # A member who moderates nothing is not sent to set up two-factor authentication (that
    # would tell them the page exists for someone): the queue is simply not there.
    assert response.status_code == 404
    assert b"Review queue" not in response.content


def test_anonymous_post_author_hidden_from_group_moderator(client, scene):
    from community.models import Post

    post = Post.objects.create(
        group=scene.group, author=scene.author, body="anon words", is_anonymous=True
    )
    item = flag_content(
        flagger=scene.reporter, flaggable=get_flaggable("post"), obj=post, reason=Reason.HATE
    ).obj.item
    client.force_login(scene.moderator)
    page = client.get(reverse("moderation:item_detail", args=[item.pk])).content.decode()
    assert "anon words" in page and "LoudAuthor" not in page
    client.force_login(scene.site_moderator)
    page = client.get(reverse("moderation:item_detail", args=[item.pk])).content.decode()
    assert "LoudAuthor" in page
