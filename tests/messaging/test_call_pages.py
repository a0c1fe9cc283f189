"""The call screen's pages: reached only through the conversation's access check and the
call's unguessable id; starting one only where the member may."""

import pytest
from django.urls import reverse

from messaging.models import Call, CallParticipant
from tests.factories import make_member, make_support_thread
from tests.messaging.call_helpers import TURN_SECRET, TURN_URLS, circle


@pytest.fixture(autouse=True)
def _relay(settings):
    settings.TURN_URLS = TURN_URLS
    settings.TURN_SECRET = TURN_SECRET


def _call_in(room, host) -> Call:
    call = Call.objects.create(kind="circle", media="video", conversation=room, host=host)
    CallParticipant.objects.create(
        call=call, user=host, display_name="Host", state="admitted", was_admitted=True
    )
    return call


def test_members_see_the_call_screen_with_the_recording_notice_and_outsiders_get_404(
    client, member
):
    host, room = circle(members=[member])
    call = _call_in(room, host)
    client.force_login(member)
    page = client.get(reverse("messaging:call", args=[call.public_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Others could still record their own screen" in text
    assert 'id="call-join"' in text
    room_page = client.get(reverse("messaging:room", args=[room.group.slug])).content.decode()
    assert reverse("messaging:call", args=[call.public_id]) in room_page
    client.force_login(make_member())
    assert client.get(reverse("messaging:call", args=[call.public_id])).status_code == 404
    assert client.get(reverse("messaging:call", args=["not-a-call-id"])).status_code == 404


def test_an_ended_call_is_gone(client, member):
    host, room = circle(members=[member])
    call = _call_in(room, host)
    call.state = Call.State.ENDED
    call.save(update_fields=["state"])
    client.force_login(member)
    assert client.get(reverse("messaging:call", args=[call.public_id])).status_code == 404


def test_only_hosts_reach_the_start_page_of_a_circle_call(client, member):
    host, room = circle(members=[member])
    client.force_login(member)
    assert client.get(reverse("messaging:call_start", args=[room.pk])).status_code == 404
    room_page = client.get(reverse("messaging:room", args=[room.group.slug])).content.decode()
    assert reverse("messaging:call_start", args=[room.pk]) not in room_page
    client.force_login(host)
    page = client.get(reverse("messaging:call_start", args=[room.pk]))
    assert page.status_code == 200 and 'data-media="video"' in page.content.decode()


def test_both_people_of_a_support_thread_may_start_a_private_call(client, member):
    advocate = make_member(mfa=True)
    thread = make_support_thread(member=member, advocate=advocate)
    for person in (member, advocate):
        client.force_login(person)
        assert client.get(reverse("messaging:call_start", args=[thread.pk])).status_code == 200
    client.force_login(make_member())
    assert client.get(reverse("messaging:call_start", args=[thread.pk])).status_code == 404


def test_without_a_relay_the_screen_says_calls_are_off(client, member, settings):
    settings.TURN_URLS = []
    host, room = circle(members=[member])
    client.force_login(host)
    text = client.get(reverse("messaging:call_start", args=[room.pk])).content.decode()
    assert 'id="call-off"' in text and "call.js" not in text


def test_the_call_screen_speaks_the_members_language(client, member):
    from tests.crawl import crawl
    from tests.test_translations import english_left_on

    host, room = circle(members=[member])
    call = _call_in(room, host)
    for person in (member, host):
        person.profile.language = "es"
        person.profile.save(update_fields=["language"])
    client.force_login(member)
    pages = crawl(client, [reverse("messaging:call", args=[call.public_id])], limit=1)
    client.force_login(host)
    end = Call.objects.filter(pk=call.pk)
    end.update(state=Call.State.ENDED)
    pages += crawl(client, [reverse("messaging:call_start", args=[room.pk])], limit=1)
    problems, checked = english_left_on(pages)
    assert checked == 2 and not problems, "\n".join(problems)
    # What the script says is in Spanish too.
    assert (
        "Esperando a que el anfitri" in pages[0].html
        and "Waiting for the host" not in pages[0].html
    )


def _ended_call_with_events(room, host, member):
    from messaging.models import CallEvent

    call = _call_in(room, host)
    CallParticipant.objects.create(
        call=call, user=member, display_name="Quiet Fern", state="left", was_admitted=True
    )
    CallEvent.objects.create(call=call, kind="muted", subject_name="Loud Stranger")
    CallEvent.objects.create(call=call, kind="removed", subject_name="Loud Stranger")
    CallEvent.objects.create(call=call, kind="ended")
    call.state, call.ended_at = Call.State.ENDED, call.started_at
    call.save(update_fields=["state", "ended_at"])
    return call


def test_a_participant_saves_the_call_to_their_journal_in_one_step(client, member):
    from community.models import JournalEntry
    from community.selectors.journal import verify_chain

    host, room = circle(members=[member])
    call = _ended_call_with_events(room, host, member)
    client.force_login(member)
    response = client.post(reverse("messaging:call_to_journal", args=[call.public_id]))
    entry = JournalEntry.objects.get(owner=member)
    assert response.status_code == 302
    assert response["Location"] == reverse("journal_entry", args=[entry.public_id])
    version = entry.current_version
    assert "Host" in version.people_involved and "Quiet Fern" in version.people_involved
    text = version.what_happened
    assert "Microphone muted by the host: Loud Stranger" in text
    assert "Removed from the call: Loud Stranger" in text and "Call ended" in text
    assert version.channel == "video_call"
    # An ordinary entry: encrypted at rest and a link of the owner's hash chain.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT what_happened FROM community_journalversion WHERE id = %s", [version.pk]
        )
        assert "Loud Stranger" not in cursor.fetchone()[0]
    report = verify_chain(owner_id=member.pk)
    assert report.intact and report.versions_checked == 1


def test_only_people_who_were_in_the_call_can_save_it(client, member):
    host, room = circle(members=[member])
    call = _ended_call_with_events(room, host, member)
    client.force_login(make_member())
    assert (
        client.post(reverse("messaging:call_to_journal", args=[call.public_id])).status_code == 404
    )
    client.force_login(member)
    assert (
        client.get(reverse("messaging:call_to_journal", args=[call.public_id])).status_code == 405
    )
