"""Groups in a real browser: what a member and a moderator do, with an axe audit per page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.models import Group, GroupInvite, Membership, Post
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.factories import make_member

pytestmark = pytest.mark.browser


def test_member_finds_joins_posts_replies_and_reacts(browser_session, axe):
    open_group = make_group(
        name="Speaking up at work", tags=("reporting",), rules="Share only your own story."
    )
    request_group = make_group(name="Engineers together", join_policy=Group.JoinPolicy.REQUEST)
    invite_group = make_group(
        name="Quiet circle",
        visibility=Group.Visibility.UNLISTED,
        join_policy=Group.JoinPolicy.INVITE,
    )
    invite = GroupInvite.objects.create(
        group=invite_group, expires_at=timezone.now() + timedelta(days=1), max_uses=1
    )
    member = make_member(pseudonym="BraveOtter21")
    session = browser_session()
    session.login(member)
    page = session.page

    # Find the group.
    page.goto("/groups/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Groups")
    expect(page.get_by_text("Quiet circle")).to_have_count(0)
    axe(page, "on the group directory")
    page.get_by_label("Search by name or tag").fill("report")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Engineers together")).to_have_count(0)
    page.get_by_role("link", name="Speaking up at work").click()
    expect(page.get_by_text("fewer than 10 members")).to_be_visible()
    axe(page, "on a group's about page")

    # Accept the rules and join (open).
    page.get_by_role("link", name="Join this group").click()
    expect(page.get_by_text("Retaliation against anyone who reports")).to_be_visible()
    expect(page.get_by_text("Share only your own story.")).to_be_visible()
    axe(page, "on the join page")
    page.get_by_role("button", name="Join the group").click()
    expect(
        page.get_by_text("Please accept the code of conduct and the group rules to join.").first
    ).to_be_visible()
    page.get_by_label("I have read and accept the code of conduct and this group's rules.").check()
    page.get_by_role("button", name="Join the group").click()
    expect(page.get_by_text("Welcome to the group.")).to_be_visible()
    membership = Membership.objects.get(group=open_group, user=member)
    assert membership.state == Membership.State.ACTIVE and membership.rules_accepted_at

    # A thread with a content warning: collapsed until opened.
    page.get_by_role("link", name="Start a thread").click()
    axe(page, "on the new-thread form")
    page.get_by_label("Title").fill("My manager's comments")
    page.get_by_label("Message").fill("He said things about my body in every meeting.")
    page.get_by_label("Content warning").fill("sexual harassment")
    page.get_by_role("button", name="Post thread").click()
    body = page.get_by_text("He said things about my body in every meeting.")
    expect(body).to_be_hidden()
    page.get_by_text("Content warning: sexual harassment").click()
    expect(body).to_be_visible()
    axe(page, "on a thread page")

    # A reply, and a reaction.
    page.get_by_label("Your reply").fill("Adding: it happened again today.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Adding: it happened again today.")).to_be_visible()
    first_post = page.locator(".post-thread")
    first_post.get_by_role("button", name="Sending support").click()
    expect(page.locator(".post-thread .reaction-mine")).to_contain_text("1")

    # A thread without a warning, posted anonymously.
    page.goto(f"/groups/{open_group.slug}/threads/new/")
    page.get_by_label("Title").fill("Does anyone else feel watched?")
    page.get_by_label("Message").fill("Since I reported, people stop talking when I come in.")
    page.get_by_label("Post anonymously").check()
    page.get_by_role("button", name="Post thread").click()
    expect(
        page.get_by_text("Since I reported, people stop talking when I come in.")
    ).to_be_visible()
    expect(page.locator(".post-thread .post-author")).to_contain_text("Anonymous member")
    expect(page.locator(".post-thread .post-author")).not_to_contain_text("BraveOtter21")

    # Ask to join a request-only group.
    page.goto(f"/groups/{request_group.slug}/")
    page.get_by_role("link", name="Ask to join").click()
    page.get_by_label("I have read and accept the code of conduct and this group's rules.").check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_text("Your request to join is waiting for a moderator.")).to_be_visible()
    axe(page, "on a group page while the request is pending")

    # Join an invite-only group through its link.
    page.goto(f"/groups/invite/{invite.token}/")
    expect(page.get_by_text("You have been invited to this group.")).to_be_visible()
    axe(page, "on the invite page")
    page.get_by_label("I have read and accept the code of conduct and this group's rules.").check()
    page.get_by_role("button", name="Join the group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiet circle")
    assert Membership.objects.get(group=invite_group, user=member).state == Membership.State.ACTIVE


def test_moderator_approves_pins_locks_and_acts_on_an_anonymous_post(browser_session, axe):
    group = make_group(name="Engineers together", join_policy=Group.JoinPolicy.REQUEST)
    moderator = make_member(pseudonym="SteadyLark40", mfa=True)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    requester = make_member(pseudonym="HopefulWren33")
    add_member(group, requester, state=Membership.State.PENDING)
    author = make_member(pseudonym="HiddenFox77")
    add_member(group, author)
    poster = make_member(pseudonym="OpenBadger12")
    add_member(group, poster)
    thread = make_thread(group, poster, title="Weekly check-in", body="How is everyone?")
    anonymous_reply = make_reply(thread, author, body="Unkind words here", is_anonymous=True)

    session = browser_session()
    session.login(moderator)
    page = session.page

    # Approve a join request.
    page.goto(f"/groups/{group.slug}/")
    page.get_by_role("link", name="Join requests").click()
    expect(page.get_by_text("HopefulWren33")).to_be_visible()
    axe(page, "on the join requests page")
    page.get_by_label("Reason (optional, sent to the person)").fill("Welcome!")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Request approved.")).to_be_visible()
    assert Membership.objects.get(group=group, user=requester).state == Membership.State.ACTIVE

    # Make an invite link.
    page.goto(f"/groups/{group.slug}/invites/")
    page.get_by_role("button", name="Create invite link").click()
    expect(page.get_by_text("Invite link created.")).to_be_visible()
    axe(page, "on the invites page")

    # Pin and lock the thread.
    page.goto(f"/groups/{group.slug}/threads/{thread.pk}/")
    thread_card = page.locator(f"#post-{thread.pk}")
    # The tools fold under one "Moderate" disclosure per post, opened by keyboard here.
    thread_card.locator(".moderator-menu summary").press("Enter")
    thread_card.get_by_role("button", name="Pin").click()
    expect(page.get_by_text("Thread pinned.")).to_be_visible()
    page.locator(f"#post-{thread.pk} .moderator-menu summary").click()
    page.locator(f"#post-{thread.pk}").get_by_role("button", name="Lock").click()
    # Locking asks first, on the shared confirmation page.
    expect(page.get_by_role("heading", name="Lock this thread?")).to_be_visible()
    axe(page, "on the lock confirmation")
    page.get_by_role("button", name="Lock thread").click()
    expect(page.get_by_text("This thread is locked; no new replies.")).to_be_visible()
    thread.refresh_from_db()
    assert thread.pinned_at and thread.locked_at

    # Act on the anonymous reply without ever seeing who wrote it.
    reply_card = page.locator(f"#post-{anonymous_reply.pk}")
    expect(reply_card.locator(".post-author")).to_have_text("Anonymous member")
    reply_card.locator(".moderator-menu summary").click()
    reply_card.get_by_role("button", name="Hide").click()
    page.get_by_role("button", name="Hide post").click()
    expect(page.get_by_text("The post is hidden.")).to_be_visible()
    expect(page.locator(f"#post-{anonymous_reply.pk}")).to_contain_text("hidden by a moderator")
    page.locator(f"#post-{anonymous_reply.pk} .moderator-menu summary").click()
    page.locator(f"#post-{anonymous_reply.pk}").get_by_role("link", name="Remove author").click()
    axe(page, "on the remove-author confirmation")
    expect(page.locator("main")).to_contain_text("Anonymous member")
    assert "HiddenFox77" not in page.content()
    page.get_by_label("Reason (the member is told it)").fill("Insults break the first rule.")
    page.get_by_role("button", name="Remove author").click()
    expect(page.get_by_text("The author is removed from the group.")).to_be_visible()
    axe(page, "on a thread page with moderator tools")
    assert "HiddenFox77" not in page.content()
    page.locator(f"#post-{anonymous_reply.pk} .moderator-menu summary").click()
    page.locator(f"#post-{anonymous_reply.pk}").get_by_role("link", name="Edit history").click()
    axe(page, "on the edit history page")
    assert "HiddenFox77" not in page.content()

    # The owner's pages: appoint a moderator, change settings.
    Membership.objects.filter(group=group, user=moderator).update(role=Membership.Role.OWNER)
    page.goto(f"/groups/{group.slug}/")
    page.get_by_role("link", name="Members and moderators").click()
    axe(page, "on the members page")
    page.get_by_role("button", name="Make OpenBadger12 a moderator").click()
    expect(page.get_by_text("Role updated.")).to_be_visible()
    assert Membership.objects.get(group=group, user=poster).role == Membership.Role.MODERATOR
    page.goto(f"/groups/{group.slug}/settings/")
    axe(page, "on the group settings page")
    assert Membership.objects.get(group=group, user=author).state == Membership.State.REMOVED
    assert Post.objects.get(pk=anonymous_reply.pk).hidden_at is not None
