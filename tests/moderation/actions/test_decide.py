import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from messaging.models import Message, Notification
from moderation.actions.decide import decide_item
from moderation.actions.flag import flag_content
from moderation.flaggables import get_flaggable
from moderation.models import AuditLogEntry, Flag, ReviewItem
from moderation.policy import Reason
from tests.factories import make_member
from tests.moderation.conftest import post_message

MESSAGE = get_flaggable("message")


def _item(scene, body="my manager is J. Doe at Acme, call him"):
    message = post_message(room=scene.room, sender=scene.author, body=body)
    return message, flag_content(
        flagger=scene.reporter, flaggable=MESSAGE, obj=message, reason=Reason.DOXXING
    ).obj.item


@pytest.mark.parametrize("decision", ["keep", "hide", "delete", "redact"])
def test_each_decision_is_idempotent_and_logged_once(scene, decision):
    message, item = _item(scene)
    first = decide_item(
        actor=scene.moderator,
        item=item,
        decision=decision,
        reason="why",
        redacted_text="my manager is [removed]",
    )
    second = decide_item(
        actor=scene.moderator,
        item=item,
        decision=decision,
        reason="why",
        redacted_text="my manager is [removed]",
    )
    assert first.changed and not second.changed
    assert AuditLogEntry.objects.filter(action=decision).count() == 1
    assert Notification.objects.filter(recipient=scene.reporter, kind="flag_outcome").count() == 1
    expected_author_notices = 0 if decision == "keep" else 1
    assert (
        Notification.objects.filter(recipient=scene.author, kind="moderation_decision").count()
        == expected_author_notices
    )


def test_hide_delete_and_redact_change_the_message(scene):
    message, item = _item(scene)
    decide_item(actor=scene.moderator, item=item, decision="hide", reason="r")
    assert Message.objects.get(pk=message.pk).hidden_at is not None
    decide_item(
        actor=scene.moderator,
        item=item,
        decision="redact",
        reason="r",
        redacted_text="my manager is [removed]",
    )
    message.refresh_from_db()
    assert message.body == "my manager is [removed]" and message.hidden_at is None
    decide_item(actor=scene.moderator, item=item, decision="delete", reason="r")
    assert Message.objects.get(pk=message.pk).deleted_at is not None


def test_audit_snapshot_keeps_the_content_as_it_was(scene):
    message, item = _item(scene)
    decide_item(
        actor=scene.moderator,
        item=item,
        decision="redact",
        reason="doxxing",
        redacted_text="[removed]",
    )
    entry = AuditLogEntry.objects.get(action="redact")
    assert "J. Doe at Acme" in entry.snapshot
    assert entry.actor_id == scene.moderator.pk and entry.target_user_id == scene.author.pk


def test_flags_are_marked_upheld_or_dismissed(scene):
    _message, item = _item(scene)
    decide_item(actor=scene.moderator, item=item, decision="hide", reason="r")
    assert Flag.objects.get().outcome == Flag.Outcome.UPHELD


def test_group_moderator_cannot_decide_items_of_another_group(scene):
    _message, item = _item(scene)
    outsider = make_member(mfa=True)
    with pytest.raises(Http404):
        decide_item(actor=outsider, item=item, decision="hide", reason="r")
    assert ReviewItem.objects.get().status == "open"


def test_decision_form_keeps_input_and_shows_error(client, scene):
    _message, item = _item(scene)
    client.force_login(scene.moderator)
    response = client.post(
        reverse("moderation:item_detail", args=[item.pk]),
        {"decision": "redact", "reason": "typed reason"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "typed reason" in page and "errorlist" in page
    response = client.post(
        reverse("moderation:item_detail", args=[item.pk]),
        {"decision": "hide", "reason": "Personal attack"},
    )
    assert response.status_code == 302
    assert ReviewItem.objects.get().decision == "hide"


def test_item_detail_shows_the_room_messages_around_it(client, scene):
    post_message(room=scene.room, sender=scene.bystander, body="before it")
    _message, item = _item(scene)
    post_message(room=scene.room, sender=scene.bystander, body="after it")
    client.force_login(scene.moderator)
    page = client.get(reverse("moderation:item_detail", args=[item.pk])).content.decode()
    page = page[page.index('id="context-heading"') :]
    assert page.index("before it") < page.index("J. Doe") < page.index("after it")


def test_a_moderator_cannot_sanction_themselves(scene):
    from moderation.actions.sanction import sanction_member

    with pytest.raises(PermissionDenied):
        sanction_member(
            actor=scene.moderator,
            target=scene.moderator,
            kind="warn",
            reason="r",
            group=scene.group,
        )
