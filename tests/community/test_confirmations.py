"""Confirmation steps (issue 13 defect 3): leaving a group, withdrawing a join or support request,
and a group moderator's "Remove author" / "Ban author" each go through a page that says what will
happen, with a "Cancel" link back; only its POST acts. Removing or banning takes a reason, which
the audit log keeps and the member's notice shows."""

import pytest
from django.urls import reverse

from community.models import Membership, SupportRequest
from community.services.support_requests import create_support_request
from moderation.models import AuditLogEntry, Sanction
from tests.community.advocates_helpers import make_advocate, specialty
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.factories import make_member, unlock_journal

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return make_group()


@pytest.fixture
def author(group):
    user = make_member(pseudonym="SecretAuthor")
    add_member(group, user)
    return user


@pytest.fixture
def group_moderator(group):
    user = make_member(pseudonym="GroupMod", mfa=True)
    add_member(group, user, role=Membership.Role.MODERATOR)
    return user


def _assert_confirmation_page(response, *, cancel_url):
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{cancel_url}"' in html and ">Cancel</a>" in html
    assert '<form method="post"' in html


# Leaving a group, withdrawing a request to join


def test_leaving_a_group_asks_first_and_only_the_confirmation_acts(client, group, author):
    client.force_login(author)
    detail = reverse("group_detail", args=[group.slug])
    leave = reverse("group_leave", args=[group.slug])
    assert f'href="{leave}"' in client.get(detail).content.decode()

    response = client.get(leave)

    _assert_confirmation_page(response, cancel_url=detail)
    assert "Your posts stay" in response.content.decode()
    assert Membership.objects.get(user=author, group=group).state == Membership.State.ACTIVE
    client.post(leave)
    assert Membership.objects.get(user=author, group=group).state == Membership.State.LEFT


def test_withdrawing_a_request_to_join_asks_first(client, group):
    member = make_member()
    add_member(group, member, state=Membership.State.PENDING)
    client.force_login(member)

    response = client.get(reverse("group_leave", args=[group.slug]))

    _assert_confirmation_page(response, cancel_url=reverse("group_detail", args=[group.slug]))
    assert "Withdraw my request to join" in response.content.decode()


# Withdrawing a support request


def test_withdrawing_a_support_request_asks_first(client):
    make_advocate(specialties=("counselling",))
    member = make_member()
    support_request = create_support_request(
        member=member,
        specialty=specialty("counselling"),
        summary="Need someone to talk to about work",
        language="en",
        urgency=SupportRequest.Urgency.NORMAL,
    )
    client.force_login(member)
    detail = reverse("support_request_detail", args=[support_request.pk])
    withdraw = reverse("support_request_withdraw", args=[support_request.pk])
    assert f'href="{withdraw}"' in client.get(detail).content.decode()

    response = client.get(withdraw)

    _assert_confirmation_page(response, cancel_url=detail)
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.OPEN
    client.post(withdraw)
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.WITHDRAWN


# Remove author, ban author


def _sanction_url(group, post, kind):
    return reverse("moderation:post_sanction", args=[group.slug, post.pk, kind])


def _thread_url(post):
    return reverse("thread_detail", args=[post.group.slug, post.root_id]) + f"#post-{post.pk}"


@pytest.mark.parametrize("kind", ["remove", "ban"])
def test_removing_or_banning_an_author_shows_the_post_and_asks_a_reason(
    client, group, author, group_moderator, kind
):
    thread = make_thread(group, author, title="Named thread", body="Words that hurt people")
    client.force_login(group_moderator)
    url = _sanction_url(group, thread, kind)
    assert f'href="{url}"' in client.get(_thread_url(thread)).content.decode()

    response = client.get(url)

    _assert_confirmation_page(response, cancel_url=_thread_url(thread))
    html = response.content.decode()
    assert "Words that hurt people" in html and "SecretAuthor" in html
    assert 'name="reason"' in html
    assert Membership.objects.get(user=author, group=group).state == Membership.State.ACTIVE


def test_a_removal_without_a_reason_changes_nothing_and_says_why(
    client, group, author, group_moderator
):
    thread = make_thread(group, author, title="Named thread")
    client.force_login(group_moderator)

    response = client.post(_sanction_url(group, thread, "remove"), {"reason": "   "})

    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert Membership.objects.get(user=author, group=group).state == Membership.State.ACTIVE
    assert not Sanction.objects.exists()


def test_a_too_long_reason_is_refused_and_kept(client, group, author, group_moderator):
    thread = make_thread(group, author, title="Named thread")
    client.force_login(group_moderator)

    response = client.post(_sanction_url(group, thread, "ban"), {"reason": "x" * 501})

    assert response.status_code == 200
    assert "x" * 501 in response.content.decode()
    assert not Sanction.objects.exists()


def test_the_reason_is_audited_and_shown_to_the_removed_member(
    client, group, author, group_moderator
):
    thread = make_thread(group, author, title="Named thread")
    client.force_login(group_moderator)

    response = client.post(
        _sanction_url(group, thread, "ban"), {"reason": "Repeated insults after a warning"}
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=author, group=group).state == Membership.State.BANNED
    entry = AuditLogEntry.objects.get(action=AuditLogEntry.Action.BAN)
    assert entry.reason == "Repeated insults after a warning"
    client.force_login(author)
    notices = client.get(reverse("moderation:my_notices")).content.decode()
    assert "Repeated insults after a warning" in notices


def test_the_old_one_click_remove_leads_to_the_confirmation(client, group, author, group_moderator):
    thread = make_thread(group, author, title="Named thread")
    client.force_login(group_moderator)

    response = client.post(
        reverse("moderation:post_moderate", args=[group.slug, thread.pk]),
        {"action": "remove_author"},
    )

    assert response["Location"] == _sanction_url(group, thread, "remove")
    assert Membership.objects.get(user=author, group=group).state == Membership.State.ACTIVE


def test_the_confirmation_of_an_anonymous_post_does_not_name_its_author(
    client, group, author, group_moderator
):
    thread = make_thread(group, make_member(), title="Open thread")
    add_member(group, thread.author)
    reply = make_reply(thread, author, body="hurtful words", is_anonymous=True)
    client.force_login(group_moderator)

    html = client.get(_sanction_url(group, reply, "remove")).content.decode()

    assert "hurtful words" in html and "Anonymous member" in html
    assert "SecretAuthor" not in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_plain_member_cannot_reach_the_confirmation(client, group, author, method):
    thread = make_thread(group, author, title="Named thread")
    reader = make_member()
    add_member(group, reader)
    client.force_login(reader)

    response = getattr(client, method)(_sanction_url(group, thread, "ban"), {"reason": "Because"})

    assert response.status_code == 403  # a reader of the group, not its moderator
    assert not Sanction.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_non_member_gets_404_for_a_private_groups_confirmation(client, author, method):
    private = make_group(visibility="private")
    add_member(private, author)
    thread = make_thread(private, author, title="Private thread")
    client.force_login(make_member(mfa=True))

    response = getattr(client, method)(_sanction_url(private, thread, "remove"), {"reason": "x"})

    assert response.status_code == 404


# Wiping the journal, deleting the account: the same confirmation page


def test_wiping_the_journal_uses_the_shared_confirmation(client, member):
    client.force_login(member)
    unlock_journal(client)

    response = client.get(reverse("journal_wipe"))

    _assert_confirmation_page(response, cancel_url=reverse("journal"))
    html = response.content.decode()
    assert "What happens" in html and 'class="danger">Wipe my journal</button>' in html


def test_deleting_the_account_uses_the_shared_confirmation(client, member):
    client.force_login(member)

    response = client.get(reverse("account_delete"))

    _assert_confirmation_page(response, cancel_url=reverse("data_rights"))
    html = response.content.decode()
    assert "What happens" in html and 'class="danger">Delete my account for good</button>' in html
