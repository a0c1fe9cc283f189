"""A report from inside a call: the existing flag flow on the person in the call, reviewed by
the group's moderators and the site's, who are alerted live; the reporter stays hidden from
the reported person (DESIGN.md invariant 7)."""

import pytest
from channels.db import database_sync_to_async as db
from django.test import Client
from django.urls import reverse

from messaging.models import Call, CallParticipant
from messaging.services.conversations import get_or_create_group_room
from moderation.models import Flag, ReviewItem
from tests.factories import make_member, make_support_thread
from tests.messaging.conftest import make_group, open_socket, receive_until

pytestmark = pytest.mark.django_db(transaction=True)


def _scene():
    host = make_member(mfa=True, pseudonym="HostPine1")
    other_moderator = make_member(mfa=True, pseudonym="ModOak2")
    reporter = make_member(pseudonym="ReporterIvy3")
    reported = make_member(pseudonym="HecklerThorn4")
    outsider = make_member()
    site_moderator = make_member(mfa=True, site_moderator=True)
    group = make_group(
        name="Calls", members=[reporter, reported], moderators=[host, other_moderator]
    )
    room = get_or_create_group_room(group=group)
    call = Call.objects.create(kind="circle", media="voice", conversation=room, host=host)
    people = {}
    for user in (host, reporter, reported):
        people[user.pk] = CallParticipant.objects.create(
            call=call,
            user=user,
            display_name=user.profile.pseudonym,
            state="admitted",
            was_admitted=True,
        )
    return locals()


def _report(user, participant) -> int:
    client = Client()
    client.force_login(user)
    url = reverse("moderation:flag", args=["call_participant", participant.pk])
    return client.post(url, {"reason": "harassment", "details": "shouting at us"}).status_code


async def test_a_report_from_the_call_alerts_the_groups_and_sites_moderators_live():
    scene = await db(_scene)()
    sockets = {
        name: await open_socket(scene[name])
        for name in ("other_moderator", "site_moderator", "reported")
    }
    target = scene["people"][scene["reported"].pk]
    assert await db(_report)(scene["reporter"], target) == 302
    for name in ("other_moderator", "site_moderator"):
        frame = await receive_until(sockets[name], "notification")
        assert frame["notification"]["text"] == "New activity"  # discreet by default
    item = await db(ReviewItem.objects.get)(content_kind="call_participant", object_id=target.pk)
    assert item.group_id == scene["group"].pk and item.author_id == scene["reported"].pk
    assert "HecklerThorn4" in item.snapshot and "ReporterIvy3" not in item.snapshot
    assert await db(Flag.objects.filter(item=item, flagger=scene["reporter"]).exists)()
    # The reported person hears nothing of it (nor who).
    assert await sockets["reported"].receive_nothing(timeout=0.5)
    for socket in sockets.values():
        await socket.disconnect()


def test_only_people_in_the_same_call_can_report_someone_in_it():
    scene = _scene()
    target = scene["people"][scene["reported"].pk]
    assert _report(scene["outsider"], target) == 404
    assert _report(scene["reported"], target) == 404  # not oneself
    assert not ReviewItem.objects.exists()


def test_a_private_calls_reports_go_to_site_moderators_only():
    member, advocate = make_member(), make_member(mfa=True)
    thread = make_support_thread(member=member, advocate=advocate)
    call = Call.objects.create(kind="private", media="voice", conversation=thread, host=member)
    for user in (member, advocate):
        CallParticipant.objects.create(
            call=call, user=user, display_name="x", state="admitted", was_admitted=True
        )
    advocate_part = CallParticipant.objects.get(call=call, user=advocate)
    assert _report(member, advocate_part) == 302
    assert ReviewItem.objects.get(content_kind="call_participant").group_id is None
