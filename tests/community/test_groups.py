import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.urls import reverse
from django.utils import timezone

from community.models import Group, GroupInvite, Membership
from community.selectors.groups import member_count_label
from messaging.models import Notification
from messaging.services.realtime import user_channel_group
from tests.community.groups_helpers import add_member, make_group
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _invite(group, *, creator=None, hours=24, max_uses=1, **extra):
    return GroupInvite.objects.create(
        group=group,
        created_by=creator,
        expires_at=timezone.now() + timedelta(hours=hours),
        max_uses=max_uses,
        **extra,
    )


# --- directory -----------------------------------------------------------------------------


def test_directory_lists_listed_groups_and_never_unlisted_ones(member_client):
    make_group(name="Speaking up", tags=("reporting",))
    make_group(name="Secret circle", visibility=Group.Visibility.UNLISTED, tags=("reporting",))
    make_group(name="Proposed circle", status=Group.Status.PROPOSED)

    page = member_client.get(reverse("group_directory")).content.decode()
    assert "Speaking up" in page
    assert "Secret circle" not in page
    assert "Your groups" not in page
    assert "Proposed circle" not in page
    searched = member_client.get(reverse("group_directory"), {"q": "circle"}).content.decode()
    assert "Secret circle" not in searched
    assert "Proposed circle" not in searched


def test_directory_searches_by_name_and_tag_and_filters_by_topic(member_client):
    make_group(name="Speaking up", tags=("reporting",))
    make_group(name="Engineers together", tags=("engineering", "gender"))

    by_name = member_client.get(reverse("group_directory"), {"q": "engineers"}).content.decode()
    assert "Engineers together" in by_name and "Speaking up" not in by_name
    by_tag = member_client.get(reverse("group_directory"), {"q": "report"}).content.decode()
    assert "Speaking up" in by_tag and "Engineers together" not in by_tag
    by_topic = member_client.get(reverse("group_directory"), {"tag": "gender"}).content.decode()
    assert "Engineers together" in by_topic and "Speaking up" not in by_topic


def test_small_member_counts_are_shown_as_a_range(member_client):
    group = make_group(name="Tiny group")
    for _ in range(3):
        add_member(group, make_member())
    page = member_client.get(reverse("group_directory")).content.decode()
    assert "fewer than 10 members" in page
    assert "3 members" not in page
    assert member_count_label(9) == "fewer than 10 members"
    assert member_count_label(10) == "10+ members"
    assert member_count_label(57) == "50+ members"


@pytest.mark.parametrize("rows", [5, 50])
def test_directory_query_count_does_not_grow_with_groups(
    member_client, django_assert_num_queries, rows
):
    for number in range(rows):
        group = make_group(name=f"Group {number:03d}", tags=("peer support", f"topic {number % 3}"))
        add_member(group, make_member())
    # session, user, topic choices, page count, page of groups, their tags, your groups
    with django_assert_num_queries(7):
        response = member_client.get(reverse("group_directory"))
    assert response.status_code == 200
    assert response.content.decode().count('class="card group-card"') == min(rows, 20)


# --- joining -------------------------------------------------------------------------------


def test_joining_requires_accepting_the_code_of_conduct_and_rules(member_client, member):
    group = make_group(rules="Keep it in the group.")
    page = member_client.get(reverse("group_join", args=[group.slug])).content.decode()
    assert "Retaliation against anyone who reports" in page
    assert "Keep it in the group." in page

    refused = member_client.post(reverse("group_join", args=[group.slug]), {})
    assert refused.status_code == 200
    assert "Please accept the code of conduct" in refused.content.decode()
    assert not Membership.objects.filter(user=member, group=group).exists()

    member_client.post(reverse("group_join", args=[group.slug]), {"accept_rules": "on"})
    membership = Membership.objects.get(user=member, group=group)
    assert membership.state == Membership.State.ACTIVE
    assert membership.rules_accepted_at is not None and membership.joined_at is not None


def test_request_to_join_then_moderator_approves_with_a_reason(client, member):
    group = make_group(join_policy=Group.JoinPolicy.REQUEST)
    moderator = make_member(mfa=True)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    client.force_login(member)
    client.post(reverse("group_join", args=[group.slug]), {"accept_rules": "on"})
    membership = Membership.objects.get(user=member, group=group)
    assert membership.state == Membership.State.PENDING
    told = Notification.objects.get(kind="join_request_received")
    assert told.recipient_id == moderator.pk and member.profile.pseudonym not in told.text
    # Pending is not a member: the posts stay closed.
    assert client.get(reverse("thread_new", args=[group.slug])).status_code == 404

    client.force_login(moderator)
    requests_page = client.get(reverse("group_requests", args=[group.slug])).content.decode()
    assert member.profile.pseudonym in requests_page
    assert member.email not in requests_page
    client.post(
        reverse("group_request_decide", args=[group.slug, membership.pk]),
        {"decision": "approve", "reason": "Welcome aboard"},
    )
    membership.refresh_from_db()
    assert membership.state == Membership.State.ACTIVE
    notice = Notification.objects.get(recipient=member, kind="join_request")
    assert "approved" in notice.text and "Welcome aboard" in notice.text
    assert moderator.profile.pseudonym not in notice.text


def test_denied_request_tells_the_requester_the_reason(client, member):
    group = make_group(join_policy=Group.JoinPolicy.REQUEST)
    moderator = make_member(mfa=True)
    add_member(group, moderator, role=Membership.Role.OWNER)
    membership = add_member(group, member, state=Membership.State.PENDING)
    client.force_login(moderator)
    client.post(
        reverse("group_request_decide", args=[group.slug, membership.pk]),
        {"decision": "decline", "reason": "This group is for engineers.", "confirmed": "1"},
    )
    membership.refresh_from_db()
    assert membership.state == Membership.State.LEFT
    notice = Notification.objects.get(recipient=member, kind="join_request")
    assert "declined" in notice.text and "This group is for engineers." in notice.text


def test_plain_member_cannot_decide_requests_and_moderator_needs_mfa(client, member):
    group = make_group(join_policy=Group.JoinPolicy.REQUEST)
    add_member(group, member)
    moderator_without_mfa = make_member()
    add_member(group, moderator_without_mfa, role=Membership.Role.MODERATOR)
    client.force_login(member)
    assert client.get(reverse("group_requests", args=[group.slug])).status_code == 403
    client.force_login(moderator_without_mfa)
    response = client.get(reverse("group_requests", args=[group.slug]))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


def test_invite_only_group_needs_an_invite(member_client, member):
    group = make_group(join_policy=Group.JoinPolicy.INVITE)
    refused = member_client.post(reverse("group_join", args=[group.slug]), {"accept_rules": "on"})
    assert "invitation only" in refused.content.decode()
    assert not Membership.objects.filter(user=member, group=group).exists()


def test_invite_link_joins_and_never_reveals_who_made_it(member_client, member):
    group = make_group(visibility=Group.Visibility.UNLISTED, join_policy=Group.JoinPolicy.INVITE)
    creator = make_member(pseudonym="InviteMaker")
    add_member(group, creator, role=Membership.Role.OWNER)
    invite = _invite(group, creator=creator, max_uses=2)
    url = reverse("group_invite_accept", args=[invite.token])

    page = member_client.get(url).content.decode()
    assert group.name in page
    assert "InviteMaker" not in page
    member_client.post(url, {"accept_rules": "on"})
    assert Membership.objects.get(user=member, group=group).state == Membership.State.ACTIVE
    invite.refresh_from_db()
    assert invite.use_count == 1


@pytest.mark.parametrize(
    "invite_kwargs",
    [
        {"hours": -1},  # expired
        {"max_uses": 1, "use_count": 1},  # used up
        {"revoked_at": timezone.now()},  # revoked
    ],
)
def test_expired_used_up_or_revoked_invites_do_not_work(member_client, member, invite_kwargs):
    group = make_group(visibility=Group.Visibility.UNLISTED, join_policy=Group.JoinPolicy.INVITE)
    invite = _invite(group, **invite_kwargs)
    url = reverse("group_invite_accept", args=[invite.token])
    page = member_client.get(url)
    assert page.status_code == 404
    assert group.name not in page.content.decode()
    member_client.post(url, {"accept_rules": "on"})
    assert not Membership.objects.filter(user=member, group=group).exists()


def test_an_active_member_using_an_invite_again_uses_nothing_up(member):
    from community.services.groups import join_group_by_invite

    group = make_group(join_policy=Group.JoinPolicy.INVITE)
    add_member(group, member)
    invite = _invite(group, max_uses=1)
    membership = join_group_by_invite(user=member, token=invite.token, accepted_rules=True)
    assert membership.state == Membership.State.ACTIVE
    invite.refresh_from_db()
    assert invite.use_count == 0


def test_banned_member_cannot_rejoin_through_an_invite(member_client, member):
    group = make_group(join_policy=Group.JoinPolicy.INVITE)
    add_member(group, member, state=Membership.State.BANNED)
    invite = _invite(group)
    response = member_client.post(
        reverse("group_invite_accept", args=[invite.token]), {"accept_rules": "on"}
    )
    assert "You cannot join this group." in response.content.decode()
    assert Membership.objects.get(user=member, group=group).state == Membership.State.BANNED
    invite.refresh_from_db()
    assert invite.use_count == 0
    # Nor through the open door.
    group.join_policy = Group.JoinPolicy.OPEN
    group.save(update_fields=["join_policy"])
    member_client.post(reverse("group_join", args=[group.slug]), {"accept_rules": "on"})
    assert Membership.objects.get(user=member, group=group).state == Membership.State.BANNED


def test_moderator_creates_and_revokes_invites(client):
    group = make_group(join_policy=Group.JoinPolicy.INVITE)
    moderator = make_member(mfa=True)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    client.force_login(moderator)
    bad = client.post(
        reverse("group_invites", args=[group.slug]), {"valid_hours": "0", "max_uses": "7"}
    )
    assert bad.status_code == 200
    assert 'value="7"' in bad.content.decode()  # what was typed stays
    assert not GroupInvite.objects.exists()
    client.post(reverse("group_invites", args=[group.slug]), {"valid_hours": "48", "max_uses": "3"})
    invite = GroupInvite.objects.get(group=group)
    assert invite.max_uses == 3 and invite.is_usable()
    client.post(reverse("group_invite_revoke", args=[group.slug, invite.pk]), {"confirmed": "1"})
    invite.refresh_from_db()
    assert not invite.is_usable()


def test_leaving_closes_the_members_sockets(
    member_client, member, django_capture_on_commit_callbacks
):
    group = make_group()
    add_member(group, member)
    layer = get_channel_layer()

    def leave():
        with django_capture_on_commit_callbacks(execute=True):
            member_client.post(reverse("group_leave", args=[group.slug]))

    # One event loop for the whole exchange: a Redis pub/sub layer keeps its channels per loop.
    async def listen_while_leaving():
        channel = await layer.new_channel()
        await layer.group_add(user_channel_group(member.pk), channel)
        await sync_to_async(leave)()
        return await asyncio.wait_for(layer.receive(channel), timeout=5)

    event = async_to_sync(listen_while_leaving)()
    assert Membership.objects.get(user=member, group=group).state == Membership.State.LEFT
    assert event == {"type": "membership.ended", "group_id": group.pk}
    assert member_client.get(reverse("thread_new", args=[group.slug])).status_code == 404


# --- proposals -----------------------------------------------------------------------------


def test_member_proposal_waits_for_staff_and_keeps_typed_input_on_error(member_client, member):
    bad = member_client.post(
        reverse("group_propose"),
        {
            "name": "ab",
            "description": "Typed description",
            "visibility": "listed",
            "join_policy": "open",
            "history_policy": "everything",
            "tags": "a, b",
        },
    )
    body = bad.content.decode()
    assert "at least 3 characters" in body
    assert "Please accept the code of conduct" in body
    assert "Typed description" in body
    member_client.post(
        reverse("group_propose"),
        {
            "name": "Night shift workers",
            "description": "For night shifts.",
            "visibility": "listed",
            "join_policy": "open",
            "history_policy": "everything",
            "tags": "Shift Work, shift work",
            "accept_code_of_conduct": "on",
        },
    )
    group = Group.objects.get(name="Night shift workers")
    assert group.status == Group.Status.PROPOSED
    assert [tag.name for tag in group.tags.all()] == ["shift work"]
    assert (
        "Night shift workers" not in member_client.get(reverse("group_directory")).content.decode()
    )
    assert member_client.get(reverse("group_detail", args=[group.slug])).status_code == 404


def test_staff_approves_or_declines_proposals_and_proposer_is_told(client, member):
    staff = make_member(staff=True, mfa=True)
    approved = Group.objects.create(
        name="Approved one", status=Group.Status.PROPOSED, created_by=member
    )
    declined = Group.objects.create(
        name="Declined one", status=Group.Status.PROPOSED, created_by=member
    )
    # A member who is not staff finds no such page, with or without a second factor.
    client.force_login(member)
    assert client.get(reverse("group_proposals")).status_code == 404
    client.force_login(make_member(mfa=True))
    assert client.get(reverse("group_proposals")).status_code == 404
    client.force_login(staff)
    page = client.get(reverse("group_proposals")).content.decode()
    assert "Approved one" in page and member.email not in page
    client.post(reverse("group_proposal_decide", args=[approved.slug]), {"decision": "approve"})
    client.post(
        reverse("group_proposal_decide", args=[declined.slug]),
        {"decision": "decline", "reason": "We already have a group for this.", "confirmed": "1"},
    )
    approved.refresh_from_db()
    declined.refresh_from_db()
    assert approved.status == Group.Status.ACTIVE
    assert declined.status == Group.Status.DECLINED
    owner = Membership.objects.get(group=approved, user=member)
    assert owner.role == Membership.Role.OWNER and owner.state == Membership.State.ACTIVE
    texts = sorted(
        Notification.objects.filter(recipient=member, kind="group_proposal").values_list(
            "text", flat=True
        )
    )
    assert any("approved" in text for text in texts)
    assert any("declined" in text and "We already have a group for this." in text for text in texts)


def test_staff_create_groups_directly(client):
    staff = make_member(staff=True)
    client.force_login(staff)
    client.post(
        reverse("group_propose"),
        {
            "name": "Staff group",
            "description": "",
            "visibility": "unlisted",
            "join_policy": "invite",
            "history_policy": "since_joining",
            "tags": "",
            "accept_code_of_conduct": "on",
        },
    )
    group = Group.objects.get(name="Staff group")
    assert group.status == Group.Status.ACTIVE
    assert Membership.objects.get(group=group, user=staff).role == Membership.Role.OWNER


# --- owners --------------------------------------------------------------------------------


def test_owner_changes_settings_and_a_bad_name_keeps_what_was_typed(client):
    group = make_group(name="Old name", tags=("old",))
    owner = make_member(mfa=True)
    add_member(group, owner, role=Membership.Role.OWNER)
    client.force_login(owner)
    form = {
        "name": "x",
        "description": "New description typed",
        "rules": "New rules",
        "visibility": "unlisted",
        "join_policy": "request",
        "history_policy": "since_joining",
        "tags": "new, topics",
    }
    bad = client.post(reverse("group_settings", args=[group.slug]), form)
    assert "at least 3 characters" in bad.content.decode()
    assert "New description typed" in bad.content.decode()
    group.refresh_from_db()
    assert group.name == "Old name"
    client.post(reverse("group_settings", args=[group.slug]), {**form, "name": "New name"})
    group.refresh_from_db()
    assert (group.name, group.visibility, group.join_policy) == ("New name", "unlisted", "request")
    assert sorted(tag.name for tag in group.tags.all()) == ["new", "topics"]


def test_owner_appoints_a_moderator_and_moderators_cannot(client, member):
    group = make_group()
    owner = make_member(mfa=True)
    add_member(group, owner, role=Membership.Role.OWNER)
    membership = add_member(group, member)
    client.force_login(owner)
    page = client.get(reverse("group_members", args=[group.slug])).content.decode()
    assert member.profile.pseudonym in page and member.email not in page
    client.post(
        reverse("group_members", args=[group.slug]),
        {"membership": membership.pk, "role": "moderator"},
    )
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MODERATOR

    other_moderator = make_member(mfa=True)
    add_member(group, other_moderator, role=Membership.Role.MODERATOR)
    client.force_login(other_moderator)
    assert client.get(reverse("group_members", args=[group.slug])).status_code == 403
    assert client.get(reverse("group_settings", args=[group.slug])).status_code == 403
    response = client.post(
        reverse("group_members", args=[group.slug]), {"membership": membership.pk, "role": "member"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MODERATOR


def test_demo_groups_seed_twice_without_duplicates():
    from community.demo.accounts import seed_accounts
    from community.demo.groups import seed_groups
    from community.models import Post

    for _ in range(2):
        seed_accounts()
        seed_groups()
    assert Group.objects.count() == 3
    assert Post.objects.count() == 6
    assert Membership.objects.count() == 7


def test_directory_lists_your_own_groups_including_unlisted_ones(member_client, member):
    secret = make_group(name="Secret circle", visibility=Group.Visibility.UNLISTED)
    add_member(secret, member)
    left = make_group(name="Old circle", visibility=Group.Visibility.UNLISTED)
    add_member(left, member, state=Membership.State.LEFT)
    page = member_client.get(reverse("group_directory")).content.decode()
    mine = page[page.index("Your groups") : page.index("results-heading")]
    assert "Secret circle" in mine and "Old circle" not in page


def test_a_decision_without_approve_or_decline_changes_nothing(client, member):
    group = make_group(join_policy=Group.JoinPolicy.REQUEST)
    moderator = make_member(mfa=True)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    membership = add_member(group, member, state=Membership.State.PENDING)
    client.force_login(moderator)
    url = reverse("group_request_decide", args=[group.slug, membership.pk])
    response = client.post(url, {"reason": "x"}, follow=True)
    assert "Choose approve or decline." in response.content.decode()
    response = client.post(url, {"decision": "approve", "reason": "x" * 1001}, follow=True)
    assert "The reason is too long" in response.content.decode()
    membership.refresh_from_db()
    assert membership.state == Membership.State.PENDING
    assert not Notification.objects.exists()


def test_group_page_links_members_to_the_live_room(member_client, member):
    group = make_group()
    add_member(group, member)
    page = member_client.get(reverse("group_detail", args=[group.slug])).content.decode()
    room_url = reverse("messaging:room", args=[group.slug])
    assert room_url in page
    assert member_client.get(room_url).status_code == 200


def test_owner_cannot_change_a_role_outside_their_group_or_with_a_malformed_id(client, member):
    group, elsewhere = make_group(name="Mine"), make_group(name="Elsewhere")
    owner = make_member(mfa=True)
    add_member(group, owner, role=Membership.Role.OWNER)
    foreign = add_member(elsewhere, member)
    client.force_login(owner)
    url = reverse("group_members", args=[group.slug])
    for membership_id in (foreign.pk, "not-a-number", ""):
        response = client.post(url, {"membership": membership_id, "role": "moderator"})
        assert response.status_code == 404, membership_id
    foreign.refresh_from_db()
    assert foreign.role == Membership.Role.MEMBER
