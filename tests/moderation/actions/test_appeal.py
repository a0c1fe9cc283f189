from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from community.models import Membership
from messaging.models import Notification
from moderation.actions.appeal import AppealError, decide_appeal, submit_appeal
from moderation.actions.sanction import sanction_member
from moderation.models import Appeal, AuditLogEntry, Sanction


def _ban(scene):
    return sanction_member(
        actor=scene.moderator, target=scene.author, kind="ban", reason="Threats", group=scene.group
    ).obj


def test_member_appeals_once_through_the_notices_page(client, scene):
    sanction = _ban(scene)
    client.force_login(scene.author)
    page = client.get(reverse("moderation:my_notices")).content.decode()
    assert "Appeal this decision" in page and "GroupMod01" not in page
    url = reverse("moderation:appeal", args=[sanction.pk])
    assert client.post(url, {"text": "It was a quote"}).status_code == 302
    assert client.post(url, {"text": "Again"}).status_code == 302
    assert Appeal.objects.count() == 1 and Appeal.objects.get().text == "It was a quote"
    assert AuditLogEntry.objects.filter(action="appeal").count() == 1


def test_appeal_after_14_days_is_refused_and_form_keeps_text(client, scene):
    sanction = _ban(scene)
    Sanction.objects.filter(pk=sanction.pk).update(created_at=timezone.now() - timedelta(days=15))
    client.force_login(scene.author)
    response = client.post(reverse("moderation:appeal", args=[sanction.pk]), {"text": "late words"})
    assert response.status_code == 200
    assert "late words" in response.content.decode() and "14 days" in response.content.decode()
    assert not Appeal.objects.exists()


def test_nobody_else_can_appeal_or_see_a_members_sanction(client, scene):
    sanction = _ban(scene)
    client.force_login(scene.reporter)
    assert client.get(reverse("moderation:appeal", args=[sanction.pk])).status_code == 404
    assert "Threats" not in client.get(reverse("moderation:my_notices")).content.decode()


def test_the_deciding_moderator_cannot_judge_the_appeal(scene):
    sanction = _ban(scene)
    appeal = submit_appeal(appellant=scene.author, sanction=sanction, text="please").obj
    with pytest.raises(PermissionDenied):
        decide_appeal(actor=scene.moderator, appeal=appeal, grant=True, note="mine")
    assert Appeal.objects.get().status == "pending"


def test_second_moderator_grants_the_appeal_lifting_the_ban_and_telling_the_member(client, scene):
    sanction = _ban(scene)
    appeal = submit_appeal(appellant=scene.author, sanction=sanction, text="please").obj
    client.force_login(scene.moderator)
    assert "please" not in client.get(reverse("moderation:appeals")).content.decode()
    client.force_login(scene.second_moderator)
    assert "please" in client.get(reverse("moderation:appeals")).content.decode()
    prefix = f"appeal-{appeal.pk}"
    response = client.post(
        reverse("moderation:appeal_decide", args=[appeal.pk]),
        {f"{prefix}-outcome": "grant", f"{prefix}-note": "Fair point"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "granted" and appeal.decided_by_id == scene.second_moderator.pk
    assert Membership.objects.get(user=scene.author, group=scene.group).state == "active"
    notice = Notification.objects.get(recipient=scene.author, kind="appeal_outcome")
    assert "Fair point" in notice.text and "GroupMod02" not in notice.text
    assert (
        AuditLogEntry.objects.filter(
            action="appeal_granted", actor_id=scene.second_moderator.pk
        ).count()
        == 1
    )
    again = decide_appeal(actor=scene.second_moderator, appeal=appeal, grant=False, note="x")
    assert not again.changed and Appeal.objects.get().status == "granted"


def test_appeal_decision_needs_a_reason(scene):
    appeal = submit_appeal(appellant=scene.author, sanction=_ban(scene), text="please").obj
    with pytest.raises(AppealError):
        decide_appeal(actor=scene.second_moderator, appeal=appeal, grant=False, note="")


def test_group_moderators_never_see_suspension_appeals(client, scene):
    suspension = sanction_member(
        actor=scene.site_moderator, target=scene.author, kind="suspend", reason="Site-wide"
    ).obj
    submit_appeal(appellant=scene.author, sanction=suspension, text="suspension appeal")
    client.force_login(scene.moderator)
    assert "suspension appeal" not in client.get(reverse("moderation:appeals")).content.decode()
