"""Every destructive or moderation action asks first (issue 13): the button's POST gets back the
shared confirmation page (community.confirmation.ask_first, templates/confirm.html), which says
what will happen and has a "Cancel" link; nothing changes until its own POST, which carries the
same fields again with `confirmed=1`. Each case below was one click before."""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from community.models import (
    Group,
    GroupInvite,
    JournalReminder,
    JournalShare,
    Membership,
    Perspective,
    Post,
    SupportRequest,
)
from community.services.groups import create_invite
from community.services.journal import share_entry
from messaging.models import ConversationParticipant
from moderation.models import Block, Sanction
from tests.community.advocates_helpers import accepted_request, make_advocate
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.community.test_journal import create_entry
from tests.community.test_perspectives import add, make_article
from tests.factories import PASSWORD, make_member, signed_in, unlock_journal
from tests.messaging.conftest import make_group as make_group_with
from tests.messaging.test_message_requests import aged, write_to

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    client: Client
    url: str
    data: dict
    state: Callable[[], object]  # what the action changes
    heading: str
    cancel_url: str


def _group_scene():
    group = make_group()
    author = make_member(pseudonym="PostAuthor")
    moderator = make_member(pseudonym="GroupMod", mfa=True)
    add_member(group, author)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    thread = make_thread(group, author, title="A thread")
    return group, author, moderator, thread


def _thread_anchor(group, post):
    return reverse("thread_detail", args=[group.slug, post.root_id]) + f"#post-{post.pk}"


def delete_own_post():
    group, author, _moderator, thread = _group_scene()
    reply = make_reply(thread, author, body="words I may regret")
    return Case(
        signed_in(author),
        reverse("post_delete", args=[group.slug, reply.pk]),
        {},
        lambda: Post.objects.get(pk=reply.pk).deleted_at is None,
        "Delete this post?",
        reverse("post_edit", args=[group.slug, reply.pk]),
    )


def _moderate_thread(action: str, *, changes: str, heading: str) -> Case:
    """A moderator's button under a thread; `changes` is the field it sets."""
    group, _author, moderator, thread = _group_scene()
    return Case(
        signed_in(moderator),
        reverse("moderation:post_moderate", args=[group.slug, thread.pk]),
        {"action": action},
        lambda: getattr(Post.objects.get(pk=thread.pk), changes) is None,
        heading,
        _thread_anchor(group, thread),
    )


def hide_a_post():
    return _moderate_thread("hide", changes="hidden_at", heading="Hide this post?")


def lock_a_thread():
    return _moderate_thread("lock", changes="locked_at", heading="Lock this thread?")


def revoke_an_invite():
    group, _author, moderator, _thread = _group_scene()
    invite = create_invite(actor=moderator, group=group, valid_hours=24, max_uses=1)
    return Case(
        signed_in(moderator),
        reverse("group_invite_revoke", args=[group.slug, invite.pk]),
        {},
        lambda: GroupInvite.objects.get(pk=invite.pk).revoked_at is None,
        "Revoke this invite link?",
        reverse("group_invites", args=[group.slug]),
    )


def decline_a_join_request(pseudonym="AskingHeron"):
    group = make_group(join_policy=Group.JoinPolicy.REQUEST)
    moderator = make_member(mfa=True)
    add_member(group, moderator, role=Membership.Role.OWNER)
    asking = add_member(group, make_member(pseudonym=pseudonym), state="pending")
    return Case(
        signed_in(moderator),
        reverse("group_request_decide", args=[group.slug, asking.pk]),
        {"decision": "decline", "reason": "For engineers only."},
        lambda: Membership.objects.get(pk=asking.pk).state == Membership.State.PENDING,
        f"Decline {pseudonym}",
        reverse("group_requests", args=[group.slug]),
    )


def decline_a_group_proposal():
    staff = make_member(staff=True, mfa=True)
    proposed = make_group_with(
        name="Night shift", status=Group.Status.PROPOSED, created_by=make_member()
    )
    return Case(
        signed_in(staff),
        reverse("group_proposal_decide", args=[proposed.slug]),
        {"decision": "decline", "reason": "We have one."},
        lambda: Group.objects.get(pk=proposed.pk).status == Group.Status.PROPOSED,
        "Decline the group Night shift?",
        reverse("group_proposals"),
    )


def delete_a_perspective():
    article = make_article()
    author = make_member()
    client = signed_in(author)
    add(client, article, "write-it-down-soon", "Keep copies at home")
    perspective = Perspective.objects.get()
    return Case(
        client,
        reverse("perspective_delete", args=[perspective.pk]),
        {},
        lambda: Perspective.objects.get(pk=perspective.pk).deleted_at is None,
        "Delete your perspective?",
        reverse("perspective_edit", args=[perspective.pk]),
    )


def delete_a_reminder():
    member = make_member()
    reminder = JournalReminder.objects.create(
        owner=member, due_on=datetime.date(2027, 1, 1), note="deadline"
    )
    return Case(
        unlock_journal(signed_in(member)),
        reverse("journal_reminder_delete", args=[reminder.pk]),
        {},
        lambda: JournalReminder.objects.filter(pk=reminder.pk).exists(),
        "Delete this reminder?",
        reverse("journal_reminders"),
    )


def revoke_a_journal_share():
    member = make_member()
    client = unlock_journal(signed_in(member))
    entry = create_entry(client)
    support_request = accepted_request(member=member, advocate=make_advocate())
    share = share_entry(entry=entry, support_request=support_request)
    return Case(
        client,
        reverse("journal_share_revoke", args=[share.public_id]),
        {},
        lambda: JournalShare.objects.filter(pk=share.pk).exists(),
        "Stop sharing this entry?",
        reverse("journal_entry", args=[entry.public_id]),
    )


def _message_request():
    recipient = aged(make_member(pseudonym="QuietHeron"))
    sender = aged(make_member(pseudonym="OldFriend"))
    make_group_with(members=[sender, recipient])
    write_to(sender, recipient, "hello")
    participant = ConversationParticipant.objects.get(user=recipient)
    return recipient, participant


def decline_a_message_request():
    recipient, participant = _message_request()
    return Case(
        signed_in(recipient),
        reverse("messaging:answer_request", args=[participant.conversation_id]),
        {"answer": "decline", "list": "requests"},
        lambda: ConversationParticipant.objects.get(pk=participant.pk).state == "requested",
        "Decline this message request?",
        reverse("messaging:requests"),
    )


def decline_all_message_requests():
    recipient, participant = _message_request()
    return Case(
        signed_in(recipient),
        reverse("messaging:decline_all_requests"),
        {"list": "requests"},
        lambda: ConversationParticipant.objects.get(pk=participant.pk).state == "requested",
        "Decline all requests?",
        reverse("messaging:requests"),
    )


def decline_and_block():
    recipient, participant = _message_request()
    return Case(
        signed_in(recipient),
        reverse("moderation:decline_and_block_request", args=[participant.conversation_id]),
        {"next": reverse("messaging:requests")},
        lambda: not Block.objects.exists(),
        "Decline this request and block its sender?",
        reverse("messaging:requests"),
    )


def remove_an_email_address():
    member = make_member(email="first@example.org")
    EmailAddress.objects.create(user=member, email="second@example.org", verified=True)
    client = Client()  # signed in with the password: allauth asks for it again otherwise
    client.post(reverse("account_login"), {"login": "first@example.org", "password": PASSWORD})
    return Case(
        client,
        reverse("account_email"),
        {"action_remove": "", "email": "second@example.org"},
        lambda: EmailAddress.objects.filter(email="second@example.org").exists(),
        "Remove second@example.org from your account?",
        reverse("account_email"),
    )


def _accepted_request():
    member = make_member()
    advocate = make_advocate(mfa=True)
    return member, advocate, accepted_request(member=member, advocate=advocate)


def resolve_a_support_request():
    member, _advocate, support_request = _accepted_request()
    return Case(
        signed_in(member),
        reverse("support_request_resolve", args=[support_request.pk]),
        {},
        lambda: SupportRequest.objects.get(pk=support_request.pk).status == "accepted",
        "Mark this request resolved?",
        reverse("support_request_detail", args=[support_request.pk]),
    )


def hand_over_a_support_request():
    _member, advocate, support_request = _accepted_request()
    second = make_advocate(pseudonym="SecondLighthouse", mfa=True)
    return Case(
        signed_in(advocate),
        reverse("support_request_hand_over", args=[support_request.pk]),
        {"to_advocate": str(second.pk)},
        lambda: SupportRequest.objects.get(pk=support_request.pk).advocate_id == advocate.pk,
        "Hand this request over?",
        reverse("support_request_detail", args=[support_request.pk]),
    )


def step_down_a_moderator():
    group, _author, moderator, _thread = _group_scene()
    owner = make_member(pseudonym="GroupOwner", mfa=True)
    add_member(group, owner, role=Membership.Role.OWNER)
    membership = Membership.objects.get(group=group, user=moderator)
    return Case(
        signed_in(owner),
        reverse("group_members", args=[group.slug]),
        {"membership": str(membership.pk), "role": "member"},
        lambda: Membership.objects.get(pk=membership.pk).role == Membership.Role.MODERATOR,
        "Make GroupMod a member again?",
        reverse("group_members", args=[group.slug]),
    )


CASES = [
    resolve_a_support_request,
    hand_over_a_support_request,
    step_down_a_moderator,
    delete_own_post,
    hide_a_post,
    lock_a_thread,
    revoke_an_invite,
    decline_a_join_request,
    decline_a_group_proposal,
    delete_a_perspective,
    delete_a_reminder,
    revoke_a_journal_share,
    decline_a_message_request,
    decline_all_message_requests,
    decline_and_block,
    remove_an_email_address,
]


@pytest.mark.parametrize("scene", CASES, ids=[case.__name__ for case in CASES])
def test_the_action_asks_first_and_only_the_confirmation_acts(scene):
    case = scene()
    assert case.state()

    asked = case.client.post(case.url, case.data)

    html = asked.content.decode()
    assert asked.status_code == 200
    assert case.heading in html
    assert "What happens" in html
    assert f'href="{case.cancel_url}"' in html and ">Cancel</a>" in html
    assert '<input type="hidden" name="confirmed" value="1">' in html
    assert case.state(), "the first POST must change nothing"
    # The step posts back to the same address, with the same fields.
    form = re.search(
        r'<form method="post" novalidate class="confirm-form">(.*?)</form>', html, re.S
    )
    assert form is not None
    for name, value in case.data.items():
        if name not in ("reason",):
            assert f'name="{name}" value="{value}"' in form.group(1)

    done = case.client.post(case.url, {**case.data, "confirmed": "1"})

    assert done.status_code == 302, done.content.decode()[:2000]
    assert not case.state()


def test_a_declines_reason_shows_on_the_step_and_a_too_long_one_comes_back_kept():
    case = decline_a_join_request()
    asked = case.client.post(case.url, case.data).content.decode()
    assert "For engineers only.</textarea>" in asked

    refused = case.client.post(
        case.url, {"decision": "decline", "reason": "x" * 1001, "confirmed": "1"}
    )

    assert refused.status_code == 400
    html = refused.content.decode()
    assert "There is a problem" in html and "The reason is too long" in html
    assert "x" * 1001 in html
    assert case.state()


def test_approving_a_join_request_is_one_click_and_a_bad_reason_lands_on_the_step():
    case = decline_a_join_request()
    approved = case.client.post(case.url, {"decision": "approve", "reason": "Welcome"})
    assert approved.status_code == 302
    assert not case.state()

    other = decline_a_join_request(pseudonym="SecondHeron")
    refused = other.client.post(other.url, {"decision": "approve", "reason": "x" * 1001})
    assert "The reason is too long" in refused.content.decode()
    assert "Approve SecondHeron" in refused.content.decode()
    assert other.state()


def test_muting_an_author_is_reached_from_the_post_and_asks_with_an_optional_reason():
    group, _author, moderator, thread = _group_scene()
    client = signed_in(moderator)
    one_click = client.post(
        reverse("moderation:post_moderate", args=[group.slug, thread.pk]), {"action": "mute_author"}
    )
    url = reverse("moderation:post_sanction", args=[group.slug, thread.pk, "mute"])
    assert one_click.status_code == 302 and one_click["Location"] == url
    page = client.get(url).content.decode()
    assert "for 24 hours?" in page and "Reason (optional, the member is told it)" in page
    assert f'href="{_thread_anchor(group, thread)}"' in page
    assert not Sanction.objects.exists()


def test_a_mutes_own_reason_reaches_the_member_and_without_one_the_general_reason_does():
    group, author, moderator, thread = _group_scene()
    client = signed_in(moderator)
    url = reverse("moderation:post_sanction", args=[group.slug, thread.pk, "mute"])
    assert client.post(url, {"reason": "Rule 2: no names."}).status_code == 302
    assert Sanction.objects.get(user=author).reason == "Rule 2: no names."

    second = make_thread(group, make_member(), title="Another")
    add_member(group, second.author)
    url = reverse("moderation:post_sanction", args=[group.slug, second.pk, "mute"])
    assert client.post(url, {"reason": ""}).status_code == 302
    assert "breaks the code of conduct" in Sanction.objects.get(user=second.author).reason


def test_a_stranger_gets_404_not_a_confirmation():
    recipient, participant = _message_request()
    stranger = signed_in(make_member())
    for url, data in [
        (
            reverse("messaging:answer_request", args=[participant.conversation_id]),
            {"answer": "decline"},
        ),
        (reverse("moderation:decline_and_block_request", args=[participant.conversation_id]), {}),
    ]:
        assert stranger.post(url, data).status_code == 404
    member = make_member()
    reminder = JournalReminder.objects.create(owner=member, due_on=datetime.date(2027, 1, 1))
    other = unlock_journal(signed_in(make_member()))
    assert other.post(reverse("journal_reminder_delete", args=[reminder.pk])).status_code == 404


def test_the_email_page_loads_no_script_for_a_pop_up():
    member = make_member(email="first@example.org")
    html = signed_in(member).get(reverse("account_email")).content.decode()
    assert "account/js/" not in html and "confirmDelete" not in html


def test_an_address_of_someone_else_is_not_offered_for_removal():
    make_member(email="victim@example.org")
    member = make_member(email="first@example.org")
    response = signed_in(member).post(
        reverse("account_email"), {"action_remove": "", "email": "victim@example.org"}
    )
    assert "victim@example.org" not in response.content.decode()
    assert EmailAddress.objects.filter(email="victim@example.org").exists()


def test_an_advocate_who_cannot_see_a_request_gets_404_not_the_hand_over_step():
    _member, _advocate, support_request = _accepted_request()
    stranger = make_advocate(pseudonym="OtherLighthouse", mfa=True)
    url = reverse("support_request_hand_over", args=[support_request.pk])
    response = signed_in(stranger).post(url, {"to_advocate": str(stranger.pk)})
    assert response.status_code == 404


def test_removing_the_primary_address_is_refused_at_once_not_asked_about():
    case = remove_an_email_address()
    refused = case.client.post(
        case.url, {"action_remove": "", "email": "first@example.org"}, follow=True
    )
    html = refused.content.decode()
    assert "What happens" not in html
    assert "first@example.org" in html and "cannot" in html.lower()
    assert EmailAddress.objects.filter(email="first@example.org").exists()
