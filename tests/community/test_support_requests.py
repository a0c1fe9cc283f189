"""Support requests: sending, who can see them, alias unlinkability, the lifecycle, the
private thread, crisis resources, feedback and escalation."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import SupportFeedback, SupportRequest
from community.services.advocates import suspend_advocate
from community.services.support_requests import (
    SupportRequestError,
    accept_support_request,
    create_support_request,
    escalate_support_requests,
    leave_support_feedback,
    resolve_support_request,
)
from messaging.models import ConversationParticipant, Notification
from tests.community.advocates_helpers import make_advocate, specialty
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(
    member,
    *,
    advocate=None,
    kind="counselling",
    use_alias=False,
    urgency="normal",
    summary="My team lead mocks my accent in every meeting.",
    self_harm=False,
):
    return create_support_request(
        member=member,
        specialty=specialty(kind),
        summary=summary,
        language="en",
        urgency=urgency,
        advocate_user_id=advocate.pk if advocate else None,
        use_alias=use_alias,
        self_harm=self_harm,
    )


def detail(client, support_request):
    return client.get(reverse("support_request_detail", args=[support_request.pk]))


def test_member_sends_a_request_to_an_advocate_through_the_form(member, member_client):
    advocate = make_advocate(languages=("en", "es"))
    url = reverse("support_request_new") + f"?advocate={advocate.profile.public_id}"
    response = member_client.post(
        url,
        {
            "specialty": specialty("counselling").pk,
            "summary": "",
            "language": "es",
            "urgency": "soon",
        },
    )
    assert response.status_code == 200 and b"This field is required." in response.content

    response = member_client.post(
        url,
        {
            "specialty": specialty("counselling").pk,
            "summary": "I need to talk.",
            "language": "es",
            "urgency": "soon",
            "use_alias": "on",
        },
    )
    support_request = SupportRequest.objects.get(member=member)
    assert response["Location"] == reverse("support_request_detail", args=[support_request.pk])
    assert support_request.advocate_id == advocate.pk and support_request.alias
    assert Notification.objects.filter(recipient=advocate, kind="support.new").exists()


def test_who_can_see_an_addressed_request():
    member = make_member()
    advocate = make_advocate()
    same_specialty = make_advocate()
    support_request = send(member, advocate=advocate)
    staff = make_member(staff=True, mfa=True)

    assert detail(logged_in(member), support_request).status_code == 200
    assert detail(logged_in(advocate), support_request).status_code == 200
    for outsider in (make_member(), same_specialty, staff):
        assert detail(logged_in(outsider), support_request).status_code == 404
    # Signed out: the sign-in page, as for any page behind a login, whether or not the
    # request exists.
    for request_id in (support_request.pk, support_request.pk + 1000):
        page = reverse("support_request_detail", args=[request_id])
        signed_out = Client().get(page)
        assert signed_out.status_code == 302
        assert signed_out["Location"] == f"{reverse('account_login')}?next={page}"


def test_suspended_advocate_loses_sight_of_their_requests():
    member, advocate = make_member(), make_advocate()
    support_request = accept_support_request(
        support_request=send(member, advocate=advocate), advocate_user=advocate
    )
    advocate_client = logged_in(advocate)
    assert detail(advocate_client, support_request).status_code == 200
    suspend_advocate(
        advocate=advocate.advocate_profile, reviewer=make_member(staff=True), reason="Review."
    )
    assert detail(advocate_client, support_request).status_code == 404
    assert detail(logged_in(member), support_request).status_code == 200


def test_pool_request_is_seen_by_advocates_of_its_specialty_until_accepted():
    member = make_member()
    counsellor, other_counsellor = make_advocate(), make_advocate()
    lawyer = make_advocate(specialties=("legal",))
    support_request = send(member)

    assert detail(logged_in(counsellor), support_request).status_code == 200
    assert detail(logged_in(lawyer), support_request).status_code == 404
    response = logged_in(lawyer).post(reverse("support_request_accept", args=[support_request.pk]))
    assert response.status_code == 404

    logged_in(counsellor).post(reverse("support_request_accept", args=[support_request.pk]))
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.ACCEPTED
    assert support_request.advocate_id == counsellor.pk
    assert detail(logged_in(other_counsellor), support_request).status_code == 404


def test_accepting_opens_a_private_thread_for_the_two_of_them():
    member, advocate = make_member(), make_advocate()
    support_request = send(member, advocate=advocate)
    accepted = accept_support_request(support_request=support_request, advocate_user=advocate)
    conversation = accepted.conversation
    assert conversation.kind == "support"
    assert set(
        ConversationParticipant.objects.filter(
            conversation=conversation, state="accepted"
        ).values_list("user_id", flat=True)
    ) == {member.pk, advocate.pk}
    with pytest.raises(SupportRequestError):
        accept_support_request(support_request=support_request, advocate_user=make_advocate())


def test_accepting_a_pool_request_respects_capacity():
    advocate = make_advocate(capacity=1)
    accept_support_request(support_request=send(make_member()), advocate_user=advocate)
    with pytest.raises(SupportRequestError, match="capacity"):
        accept_support_request(support_request=send(make_member()), advocate_user=advocate)


def test_alias_requests_cannot_be_linked_by_the_advocate():
    member = make_member(pseudonym="QuietRiver12")
    advocate = make_advocate()
    first = send(member, advocate=advocate, use_alias=True)
    second = send(member, advocate=advocate, use_alias=True)
    assert first.alias and second.alias and first.alias != second.alias
    accept_support_request(support_request=first, advocate_user=advocate)

    advocate_client = logged_in(advocate)
    profile = member.profile
    pages = [
        detail(advocate_client, first).content.decode(),
        detail(advocate_client, second).content.decode(),
        advocate_client.get(reverse("advocate_workload")).content.decode(),
    ]
    for page in pages:
        assert profile.pseudonym not in page
        assert profile.public_id not in page
        assert profile.avatar_seed not in page
        assert member.email not in page
    assert first.alias in pages[0] and second.alias not in pages[0]
    assert second.alias in pages[1] and first.alias not in pages[1]
    notices = " ".join(
        Notification.objects.filter(recipient=advocate).values_list("text", flat=True)
    )
    assert profile.pseudonym not in notices
    # The member sees themself as "You", not their alias or pseudonym in the From field.
    assert b"QuietRiver12" not in detail(logged_in(member), first).content


def test_without_alias_the_advocate_sees_the_pseudonym():
    member = make_member(pseudonym="SteadyMaple34")
    advocate = make_advocate()
    support_request = send(member, advocate=advocate)
    assert b"SteadyMaple34" in detail(logged_in(advocate), support_request).content


def test_a_request_that_mentions_self_harm_shows_crisis_lines_whatever_the_urgency():
    member = make_member()
    member_client = logged_in(member)
    response = member_client.post(
        reverse("support_request_new"),
        {
            "specialty": specialty("counselling").pk,
            "language": "en",
            "urgency": "urgent",
            "summary": "After today I keep thinking about killing myself.",
        },
        follow=True,
    )
    assert b"You do not have to wait for an advocate" in response.content
    assert b"988" in response.content and b"116 123" in response.content

    # The tick shows them with any urgency (before, only "Urgent" did); so does the summary.
    ticked = send(member, urgency="normal", summary="Everything is too much.", self_harm=True)
    noticed = send(member, urgency="soon", summary="I think about hurting myself sometimes.")
    calm = send(member, urgency="urgent", summary="I could die laughing at his excuses.")
    assert (ticked.mentions_self_harm, noticed.mentions_self_harm) == (True, True)
    assert calm.mentions_self_harm is False
    for marked in (ticked, noticed):
        assert b"You do not have to wait for an advocate" in detail(member_client, marked).content
    assert b"You do not have to wait for an advocate" not in detail(member_client, calm).content


def test_the_advocate_sees_the_self_harm_mark_and_such_requests_come_first():
    advocate = make_advocate()
    member = make_member()
    earlier = send(member, summary="My manager shouts at me.")
    marked = send(member, summary="Everything is too much.", self_harm=True)
    advocate_client = logged_in(advocate)

    page = advocate_client.get(reverse("advocate_workload")).content.decode()
    assert page.count("Mentions self-harm") == 1
    assert page.index(f"/support/{marked.pk}/") < page.index(f"/support/{earlier.pk}/")
    assert b'data-testid="self-harm-mark"' in detail(advocate_client, marked).content
    assert b'data-testid="self-harm-mark"' not in detail(advocate_client, earlier).content
    # The member's own page shows crisis lines, not the advocates' mark.
    assert b'data-testid="self-harm-mark"' not in detail(logged_in(member), marked).content


def test_lifecycle_is_timestamped_and_visible_to_both_sides():
    member, advocate = make_member(), make_advocate()
    support_request = send(member, advocate=advocate)
    advocate_client, member_client = logged_in(advocate), logged_in(member)
    advocate_client.post(reverse("support_request_accept", args=[support_request.pk]))
    member_client.post(
        reverse("support_request_resolve", args=[support_request.pk]), {"confirmed": "1"}
    )
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.RESOLVED
    assert support_request.accepted_at and support_request.resolved_at
    assert list(support_request.events.values_list("kind", flat=True)) == [
        "created",
        "accepted",
        "resolved",
    ]
    for client in (member_client, advocate_client):
        page = detail(client, support_request).content.decode()
        assert page.count("<time datetime=") == 3
        assert "Accepted by an advocate" in page and "Marked resolved" in page


def test_member_withdraws_and_nobody_else_can():
    member, advocate = make_member(), make_advocate()
    support_request = send(member, advocate=advocate)
    logged_in(advocate).post(reverse("support_request_withdraw", args=[support_request.pk]))
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.OPEN
    logged_in(member).post(reverse("support_request_withdraw", args=[support_request.pk]))
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.WITHDRAWN
    assert support_request.withdrawn_at is not None


def test_hand_over_moves_request_and_thread_to_the_new_advocate():
    member, first, second = make_member(), make_advocate(), make_advocate()
    support_request = accept_support_request(
        support_request=send(member, advocate=first), advocate_user=first
    )
    response = logged_in(first).post(
        reverse("support_request_hand_over", args=[support_request.pk]),
        {"to_advocate": second.pk, "confirmed": "1"},
    )
    assert response["Location"] == reverse("advocate_workload")
    support_request.refresh_from_db()
    assert support_request.advocate_id == second.pk
    states = dict(
        ConversationParticipant.objects.filter(
            conversation=support_request.conversation
        ).values_list("user_id", "state")
    )
    assert states == {member.pk: "accepted", first.pk: "left", second.pk: "accepted"}
    assert detail(logged_in(first), support_request).status_code == 404
    assert detail(logged_in(second), support_request).status_code == 200
    assert "handed_over" in support_request.events.values_list("kind", flat=True)


def test_feedback_is_once_only_needs_a_sentence_and_only_staff_read_it():
    member, advocate = make_member(), make_advocate()
    support_request = accept_support_request(
        support_request=send(member, advocate=advocate), advocate_user=advocate
    )
    member_client = logged_in(member)
    url = reverse("support_request_feedback", args=[support_request.pk])
    with pytest.raises(SupportRequestError):
        leave_support_feedback(
            support_request=support_request,
            member=member,
            rating=5,
            comment="Too early to say anything useful.",
        )
    resolve_support_request(support_request=support_request, actor=advocate)

    response = member_client.post(url, {"rating": "4", "comment": "Thanks!"})
    assert b"Write at least a sentence." in response.content and b"Thanks!" in response.content
    comment = "She listened and explained my options clearly."
    member_client.post(url, {"rating": "4", "comment": comment})
    assert SupportFeedback.objects.get(request=support_request).rating == 4
    response = member_client.post(url, {"rating": "1", "comment": "Changing my mind about it."})
    assert b"already left feedback" in response.content
    assert SupportFeedback.objects.filter(request=support_request).count() == 1

    advocate_client = logged_in(advocate)
    assert comment.encode() not in detail(advocate_client, support_request).content
    assert advocate_client.get(url).status_code == 404
    assert comment.encode() not in detail(member_client, support_request).content

    staff_client = logged_in(make_member(staff=True, mfa=True))
    feedback = SupportFeedback.objects.get(request=support_request)
    page = staff_client.get(reverse("admin:community_supportfeedback_change", args=[feedback.pk]))
    assert comment.encode() in page.content
    assert (
        logged_in(advocate).get(reverse("admin:community_supportfeedback_changelist")).status_code
        == 302
    )


def test_unanswered_requests_escalate_to_the_pool_and_then_to_staff():
    member, advocate = make_member(), make_advocate()
    counsellor = make_advocate()
    staff = make_member(staff=True, mfa=True)
    support_request = send(member, advocate=advocate)
    now = timezone.now()

    assert escalate_support_requests(now=now).moved_to_pool == []
    later = now + settings.KINDRED_SUPPORT_ESCALATE_TO_POOL_AFTER + timedelta(minutes=1)
    result = escalate_support_requests(now=later)
    assert result.moved_to_pool == [support_request.pk] and result.flagged_for_staff == []
    support_request.refresh_from_db()
    assert support_request.advocate_id is None and support_request.escalated_to_pool_at == later
    assert detail(logged_in(counsellor), support_request).status_code == 200
    assert Notification.objects.filter(recipient=counsellor, kind="support.pool").exists()

    assert escalate_support_requests(now=later + timedelta(minutes=5)).flagged_for_staff == []
    much_later = later + settings.KINDRED_SUPPORT_ESCALATE_TO_STAFF_AFTER + timedelta(minutes=1)
    result = escalate_support_requests(now=much_later)
    assert result.flagged_for_staff == [support_request.pk]
    assert escalate_support_requests(now=much_later + timedelta(hours=1)).flagged_for_staff == []
    support_request.refresh_from_db()
    assert support_request.flagged_for_staff_at == much_later
    assert Notification.objects.filter(recipient=staff, kind="support.flagged").count() == 1
    assert list(support_request.events.values_list("kind", flat=True)) == [
        "created",
        "escalated_to_pool",
        "flagged_for_staff",
    ]


def test_escalation_command_runs_the_service():
    support_request = send(make_member(), advocate=make_advocate())
    SupportRequest.objects.filter(pk=support_request.pk).update(
        routed_at=timezone.now()
        - settings.KINDRED_SUPPORT_ESCALATE_TO_POOL_AFTER
        - timedelta(hours=1)
    )
    out = StringIO()
    call_command("escalate_support_requests", stdout=out)
    assert "1 moved to the pool" in out.getvalue()
    support_request.refresh_from_db()
    assert support_request.is_in_pool


def test_workload_lists_waiting_active_and_pool_with_constant_queries(django_assert_num_queries):
    advocate = make_advocate(capacity=50)
    client = logged_in(advocate)

    def add(count):
        for _ in range(count):
            send(make_member(), advocate=advocate)
            send(make_member())

    add(2)
    client.get(reverse("advocate_workload"))
    with django_assert_num_queries(8) as few:
        client.get(reverse("advocate_workload"))
    add(20)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(reverse("advocate_workload")).content.decode()
    assert page.count("/support/") >= 44


def test_alias_also_hides_the_pseudonym_in_the_private_thread():
    from tests.messaging.conftest import post_as

    member = make_member(pseudonym="QuietRiver12")
    advocate = make_advocate()
    support_request = accept_support_request(
        support_request=send(member, advocate=advocate, use_alias=True), advocate_user=advocate
    )
    post_as(support_request.conversation, member, "Hello", "c1")
    page = logged_in(advocate).get(
        reverse("messaging:conversation", args=[support_request.conversation.pk])
    )
    assert page.status_code == 200
    assert b"QuietRiver12" not in page.content
    assert member.profile.public_id.encode() not in page.content
    assert member.profile.avatar_seed.encode() not in page.content
    assert support_request.alias.encode() in page.content


def _hand_over_choices(page: str) -> int:
    # The page's own choices, not the footer's language switch.
    return page[: page.index('class="language-form"')].count("<option")


def test_request_page_queries_do_not_grow_with_advocates_to_hand_over_to(
    django_assert_num_queries,
):
    member, advocate = make_member(), make_advocate()
    support_request = accept_support_request(
        support_request=send(member, advocate=advocate), advocate_user=advocate
    )
    client = logged_in(advocate)
    for _ in range(5):
        make_advocate()
    detail(client, support_request)
    with django_assert_num_queries(8) as few:
        page = detail(client, support_request).content.decode()
    assert _hand_over_choices(page) == 5
    for _ in range(45):
        make_advocate()
    with django_assert_num_queries(len(few.captured_queries)):
        page = detail(client, support_request).content.decode()
    assert _hand_over_choices(page) == 50


def test_urgent_requests_escalate_after_an_hour_at_each_step():
    advocate = make_advocate()
    urgent = send(make_member(), advocate=advocate, urgency="urgent")
    normal = send(make_member(), advocate=advocate)
    start = timezone.now()
    assert escalate_support_requests(now=start + timedelta(minutes=30)).moved_to_pool == []
    urgent_wait = settings.KINDRED_SUPPORT_ESCALATE_URGENT_AFTER
    step = start + urgent_wait + timedelta(minutes=1)
    assert escalate_support_requests(now=step).moved_to_pool == [urgent.pk]
    flagged = escalate_support_requests(now=step + urgent_wait + timedelta(minutes=1))
    assert flagged.flagged_for_staff == [urgent.pk]
    normal.refresh_from_db()
    assert normal.advocate_id == advocate.pk


def test_escalation_waits_are_the_settings(settings):
    """The waits come from config/settings.py (KINDRED_SUPPORT_ESCALATE_*), read when the
    service runs: an installation that shortens them escalates sooner."""
    settings.KINDRED_SUPPORT_ESCALATE_TO_POOL_AFTER = timedelta(minutes=10)
    settings.KINDRED_SUPPORT_ESCALATE_TO_STAFF_AFTER = timedelta(minutes=20)
    support_request = send(make_member(), advocate=make_advocate())
    start = timezone.now()
    assert escalate_support_requests(now=start + timedelta(minutes=9)).moved_to_pool == []
    moved = escalate_support_requests(now=start + timedelta(minutes=11))
    assert moved.moved_to_pool == [support_request.pk]
    pooled_at = start + timedelta(minutes=11)
    assert escalate_support_requests(now=pooled_at + timedelta(minutes=19)).flagged_for_staff == []
    flagged = escalate_support_requests(now=pooled_at + timedelta(minutes=21))
    assert flagged.flagged_for_staff == [support_request.pk]


def test_staff_admin_for_escalations_never_shows_who_the_member_is():
    member = make_member(pseudonym="QuietHeron")
    support_request = send(member)
    staff_client = logged_in(make_member(staff=True, mfa=True))
    changelist = staff_client.get(reverse("admin:community_supportrequest_changelist"))
    change = staff_client.get(
        reverse("admin:community_supportrequest_change", args=[support_request.pk])
    )
    assert changelist.status_code == change.status_code == 200
    assert support_request.summary in change.content.decode()
    for page in (changelist, change):
        content = page.content.decode()
        for secret in (member.email, "QuietHeron", str(member.profile.public_id)):
            assert secret not in content


def test_pool_notifications_reach_active_verified_advocates_of_the_specialty_only():
    active, deactivated, paused = make_advocate(), make_advocate(), make_advocate(accepting=False)
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    send(make_member())
    notified = set(
        Notification.objects.filter(kind="support.pool").values_list("recipient_id", flat=True)
    )
    assert active.pk in notified
    assert deactivated.pk not in notified and paused.pk not in notified
