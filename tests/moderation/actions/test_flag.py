import pytest
from django.urls import reverse

from messaging.models import Message, Notification
from moderation.actions.decide import decide_item
from moderation.actions.flag import flag_content
from moderation.flaggables import get_flaggable
from moderation.models import AuditLogEntry, Flag, GroupModerationSettings, ReviewItem
from moderation.policy import REASON_SEVERITY, Reason
from moderation.selectors.scoring import flagger_reliability
from tests.factories import make_member
from tests.moderation.conftest import add_member, post_message

MESSAGE = get_flaggable("message")


def _flag(user, message, reason=Reason.HARASSMENT, details=""):
    return flag_content(
        flagger=user, flaggable=MESSAGE, obj=message, reason=reason, details=details
    )


def test_member_flags_a_room_message_through_the_form(client, scene):
    message = post_message(room=scene.room, sender=scene.author)
    client.force_login(scene.reporter)
    url = reverse("moderation:flag", args=["message", message.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": Reason.THREAT, "details": "in the room"})
    assert response.status_code == 302
    flag = Flag.objects.get()
    assert (flag.flagger_id, flag.reason, flag.details) == (
        scene.reporter.pk,
        "threat",
        "in the room",
    )
    assert flag.item.group_id == scene.group.pk and flag.item.author_id == scene.author.pk


def test_flag_form_keeps_details_and_shows_error_without_reason(client, scene):
    message = post_message(room=scene.room, sender=scene.author)
    client.force_login(scene.reporter)
    response = client.post(
        reverse("moderation:flag", args=["message", message.pk]), {"details": "typed text stays"}
    )
    assert response.status_code == 200
    assert "typed text stays" in response.content.decode()
    assert 'class="errorlist' in response.content.decode()
    assert not Flag.objects.exists()


def test_non_member_gets_404_when_flagging_a_private_room_message(client, scene):
    message = post_message(room=scene.room, sender=scene.author)
    client.force_login(make_member())
    response = client.post(
        reverse("moderation:flag", args=["message", message.pk]), {"reason": Reason.SPAM}
    )
    assert response.status_code == 404
    assert not Flag.objects.exists()


def test_one_flag_per_member_per_item(scene):
    message = post_message(room=scene.room, sender=scene.author)
    first = _flag(scene.reporter, message)
    second = _flag(scene.reporter, message, reason=Reason.THREAT)
    assert first.changed and not second.changed
    assert Flag.objects.count() == 1 and ReviewItem.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="flag").count() == 1


def test_reflagging_a_reviewed_item_reopens_its_review(scene):
    message = post_message(room=scene.room, sender=scene.author)
    result = _flag(scene.reporter, message)
    decide_item(actor=scene.moderator, item=result.obj.item, decision="keep", reason="fine")
    assert ReviewItem.objects.get().status == ReviewItem.Status.RESOLVED
    again = _flag(scene.bystander, message)
    item = ReviewItem.objects.get()
    assert again.obj.item.pk == result.obj.item.pk
    assert item.status == ReviewItem.Status.OPEN and item.decision == ""
    assert ReviewItem.objects.count() == 1


def test_self_harm_flag_goes_to_the_top_and_author_gets_crisis_resources(scene):
    busy = post_message(room=scene.room, sender=scene.bystander, body="many threats")
    for _ in range(3):
        reporter = make_member()
        add_member(group=scene.group, user=reporter)
        _flag(reporter, busy, reason=Reason.THREAT)
    worrying = post_message(room=scene.room, sender=scene.author, body="I can't go on")
    _flag(scene.reporter, worrying, reason=Reason.SELF_HARM)
    from moderation.selectors.queue import review_queue

    queue = list(review_queue(viewer=scene.moderator))
    assert queue[0].object_id == worrying.pk and queue[0].urgent
    assert queue[0].score < queue[1].score  # on top despite the lower score
    notice = Notification.objects.get(recipient=scene.author, kind="crisis_resources")
    assert notice.url == reverse("moderation:crisis_resources")
    assert "QuietReporter" not in notice.text


def test_priority_weighs_reason_severity_by_flagger_reliability(scene):
    reliable, unreliable = make_member(), make_member()
    for user in (reliable, unreliable):
        add_member(group=scene.group, user=user)
    # Past record: three upheld flags for one, three dismissed for the other.
    for decision, flagger in (("hide", reliable), ("keep", unreliable)):
        for _ in range(3):
            past = post_message(room=scene.room, sender=scene.bystander)
            result = _flag(flagger, past, reason=Reason.SPAM)
            decide_item(actor=scene.moderator, item=result.obj.item, decision=decision, reason="r")
    assert flagger_reliability(flagger_id=make_member().pk) == 1.0  # new flaggers are neutral
    assert flagger_reliability(flagger_id=reliable.pk) == pytest.approx(2 * 4 / 5)
    assert flagger_reliability(flagger_id=unreliable.pk) == pytest.approx(2 * 1 / 5)

    message = post_message(room=scene.room, sender=scene.author)
    _flag(reliable, message, reason=Reason.HATE)
    result = _flag(unreliable, message, reason=Reason.SPAM)
    expected = REASON_SEVERITY["hate"] * 2 * 4 / 5 + REASON_SEVERITY["spam"] * 2 * 1 / 5
    assert result.obj.item.score == pytest.approx(expected, abs=0.01)


def test_auto_hide_above_the_group_threshold(scene):
    GroupModerationSettings.objects.create(group=scene.group, auto_hide_threshold=6.0)
    message = post_message(room=scene.room, sender=scene.author)
    _flag(scene.reporter, message, reason=Reason.THREAT)  # 5.0
    message.refresh_from_db()
    assert message.hidden_at is None
    _flag(scene.bystander, message, reason=Reason.SPAM)  # 6.0
    message.refresh_from_db()
    item = ReviewItem.objects.get()
    assert message.hidden_at is not None and item.auto_hidden and item.status == "open"
    assert AuditLogEntry.objects.filter(action="auto_hide", actor_id__isnull=True).count() == 1


def test_auto_hide_never_hides_what_no_moderator_would_review(db):
    from tests.moderation.conftest import make_room

    author, first, second = make_member(), make_member(), make_member()
    room = make_room(members=[author, first, second])  # no moderators, no site moderators
    GroupModerationSettings.objects.create(group=room.group, auto_hide_threshold=4.0)
    message = post_message(room=room, sender=author)
    _flag(first, message, reason=Reason.THREAT)
    _flag(second, message, reason=Reason.THREAT)
    assert Message.objects.get(pk=message.pk).hidden_at is None


def test_keep_after_auto_hide_shows_the_message_again(scene):
    GroupModerationSettings.objects.create(group=scene.group, auto_hide_threshold=4.0)
    message = post_message(room=scene.room, sender=scene.author)
    result = _flag(scene.reporter, message, reason=Reason.THREAT)
    assert Message.objects.get(pk=message.pk).hidden_at is not None
    decide_item(actor=scene.moderator, item=result.obj.item, decision="keep", reason="context ok")
    assert Message.objects.get(pk=message.pk).hidden_at is None


def test_profiles_can_be_flagged_and_go_to_site_moderators_only(client, scene):
    client.force_login(scene.reporter)
    response = client.post(
        reverse("moderation:flag", args=["profile", scene.author.profile.pk]),
        {"reason": Reason.DOXXING},
    )
    assert response.status_code == 302
    item = ReviewItem.objects.get()
    assert item.content_kind == "profile" and item.group_id is None


def _report_alert_recipients():
    return set(
        Notification.objects.filter(kind="moderation.new_report").values_list(
            "recipient_id", flat=True
        )
    )


def test_a_new_report_alerts_every_moderator_who_may_review_it_once(scene):
    message = post_message(room=scene.room, sender=scene.author)
    _flag(scene.reporter, message)
    assert _report_alert_recipients() == {
        scene.moderator.pk,
        scene.second_moderator.pk,
        scene.site_moderator.pk,
    }
    alert = Notification.objects.filter(kind="moderation.new_report").first()
    # The alert names nobody and quotes nothing.
    for secret in ("QuietReporter", "LoudAuthor", message.body):
        assert secret not in alert.text
    _flag(scene.bystander, message)
    assert Notification.objects.filter(kind="moderation.new_report").count() == 3


def test_the_flagged_author_gets_no_report_alert_even_as_a_moderator(scene):
    message = post_message(room=scene.room, sender=scene.moderator)
    _flag(scene.reporter, message)
    assert scene.moderator.pk not in _report_alert_recipients()
    assert scene.second_moderator.pk in _report_alert_recipients()
