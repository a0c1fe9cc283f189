from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Group, Membership, Post, PostRevision, Reaction
from messaging.models import Notification
from moderation.models import AuditLogEntry, Block, Sanction
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.factories import make_member

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
def reader(group):
    user = make_member(pseudonym="PlainReader")
    add_member(group, user)
    return user


@pytest.fixture
def group_moderator(group):
    user = make_member(pseudonym="GroupMod", mfa=True)
    add_member(group, user, role=Membership.Role.MODERATOR)
    return user


def _thread_url(thread):
    return reverse("thread_detail", args=[thread.group.slug, thread.pk])


def test_member_posts_a_thread_with_a_content_warning_collapsed(client, group, author):
    client.force_login(author)
    response = client.post(
        reverse("thread_new", args=[group.slug]),
        {"title": "What happened", "body": "The **details**", "content_warning": "verbal abuse"},
    )
    thread = Post.objects.get(group=group, thread__isnull=True)
    assert response.url == _thread_url(thread)
    page = client.get(_thread_url(thread)).content.decode()
    assert "<details" in page and "Content warning: verbal abuse" in page
    details = page[page.index("<details") : page.index("</details>")]
    assert "<strong>details</strong>" in details  # the body sits inside the collapsed block


def test_thread_form_keeps_what_was_typed_and_says_what_is_missing(client, group, author):
    client.force_login(author)
    response = client.post(
        reverse("thread_new", args=[group.slug]),
        {"title": "   ", "body": "Typed body stays", "content_warning": "typed warning"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Give your thread a title." in body
    assert "Typed body stays" in body and "typed warning" in body
    assert not Post.objects.exists()


def test_post_text_goes_through_the_sanitiser(client, group, author):
    client.force_login(author)
    client.post(
        reverse("thread_new", args=[group.slug]),
        {"title": "<b>t</b>", "body": "<script>alert(1)</script>[x](javascript:alert(1))"},
    )
    page = client.get(_thread_url(Post.objects.get())).content.decode()
    assert "<script>alert(1)" not in page
    assert 'href="javascript' not in page
    assert "&lt;b&gt;t&lt;/b&gt;" in page


def test_anonymous_post_hides_its_author_from_members_and_group_moderators(
    client, group, author, reader, group_moderator
):
    thread = make_thread(group, author, title="Anonymous thread", is_anonymous=True)
    make_reply(thread, author, body="anonymous reply", is_anonymous=True)
    for viewer in (reader, group_moderator):
        client.force_login(viewer)
        page = client.get(_thread_url(thread)).content.decode()
        assert "Anonymous member" in page
        assert "SecretAuthor" not in page
        assert author.profile.public_id not in page
        assert author.profile.avatar_seed not in page
        listing = client.get(reverse("group_detail", args=[group.slug])).content.decode()
        assert "SecretAuthor" not in listing and "Anonymous member" in listing
    history = client.get(reverse("post_history", args=[group.slug, thread.pk])).content.decode()
    assert "SecretAuthor" not in history


def test_only_site_moderators_see_who_wrote_an_anonymous_post(client, group, author):
    thread = make_thread(group, author, title="Anonymous thread", is_anonymous=True)
    site_moderator = make_member(site_moderator=True, mfa=True)
    client.force_login(site_moderator)
    page = client.get(_thread_url(thread)).content.decode()
    assert "SecretAuthor" in page and "posted anonymously" in page


def test_group_moderator_acts_on_an_anonymous_author_without_learning_who(
    client, group, author, group_moderator
):
    thread = make_thread(group, make_member(), title="Open thread")
    add_member(group, thread.author)
    reply = make_reply(thread, author, body="hurtful words", is_anonymous=True)
    client.force_login(group_moderator)
    url = reverse("moderation:post_moderate", args=[group.slug, reply.pk])

    response = client.post(url, {"action": "hide"})
    assert "SecretAuthor" not in response.content.decode()
    reply.refresh_from_db()
    assert reply.hidden_at is None  # asked first
    response = client.post(url, {"action": "hide", "confirmed": "1"}, follow=True)
    assert "SecretAuthor" not in response.content.decode()
    reply.refresh_from_db()
    assert reply.hidden_at is not None

    response = client.post(url, {"action": "mute_author"}, follow=True)
    assert "SecretAuthor" not in response.content.decode()
    assert not Sanction.objects.exists()  # the mute's confirmation page, with its reason field
    response = client.post(
        reverse("moderation:post_sanction", args=[group.slug, reply.pk, "mute"]),
        {"reason": ""},
        follow=True,
    )
    assert "SecretAuthor" not in response.content.decode()
    assert Sanction.objects.filter(user=author, group=group, kind=Sanction.Kind.MUTE).exists()

    response = client.post(
        reverse("moderation:post_sanction", args=[group.slug, reply.pk, "remove"]),
        {"reason": "Breaks the first rule of the group."},
        follow=True,
    )
    assert "SecretAuthor" not in response.content.decode()
    assert Membership.objects.get(user=author, group=group).state == Membership.State.REMOVED

    # The audit log, which group moderators read, names the post and never the person.
    entries = AuditLogEntry.objects.filter(group_id=group.pk)
    assert entries.count() == 3
    assert not entries.filter(target_user_id=author.pk).exists()
    assert not entries.filter(target_pseudonym="SecretAuthor").exists()
    # The author is told, without being told by whom.
    notice = Notification.objects.filter(recipient=author, kind="sanction").first()
    assert notice is not None and "GroupMod" not in notice.text


def test_named_post_author_is_sanctioned_through_moderation(client, group, author, group_moderator):
    thread = make_thread(group, author, title="Named thread")
    client.force_login(group_moderator)
    client.post(
        reverse("moderation:post_sanction", args=[group.slug, thread.pk, "ban"]),
        {"reason": "Breaks the first rule of the group."},
    )
    assert Membership.objects.get(user=author, group=group).state == Membership.State.BANNED
    assert Sanction.objects.filter(user=author, group=group, kind=Sanction.Kind.BAN).exists()


def test_plain_members_cannot_moderate(client, group, author, reader):
    thread = make_thread(group, author)
    client.force_login(reader)
    response = client.post(
        reverse("moderation:post_moderate", args=[group.slug, thread.pk]), {"action": "hide"}
    )
    assert response.status_code == 403
    thread.refresh_from_db()
    assert thread.hidden_at is None
    assert client.get(reverse("post_history", args=[group.slug, thread.pk])).status_code == 403


def test_moderator_pins_and_locks_a_thread(client, group, author, reader, group_moderator):
    older = make_thread(group, author, title="Older thread")
    newer = make_thread(group, author, title="Newer thread")
    Post.objects.filter(pk=older.pk).update(last_activity_at=timezone.now() - timedelta(days=1))
    client.force_login(group_moderator)
    client.post(reverse("moderation:post_moderate", args=[group.slug, older.pk]), {"action": "pin"})
    client.post(
        reverse("moderation:post_moderate", args=[group.slug, older.pk]),
        {"action": "lock", "confirmed": "1"},
    )
    listing = client.get(reverse("group_detail", args=[group.slug])).content.decode()
    assert listing.index("Older thread") < listing.index("Newer thread")

    client.force_login(reader)
    refused = client.post(_thread_url(older), {"body": "Can I still reply?"})
    assert refused.status_code == 403
    assert not Post.objects.filter(thread=older).exists()
    assert "This thread is locked" in client.get(_thread_url(older)).content.decode()
    assert newer.replies.count() == 0


def test_reply_notifies_the_thread_author_without_naming_the_replier(client, group, author, reader):
    thread = make_thread(group, author, title="My thread")
    client.force_login(reader)
    client.post(_thread_url(thread), {"body": "You are not alone.", "is_anonymous": "on"})
    reply = Post.objects.get(thread=thread)
    assert reply.is_anonymous
    thread.refresh_from_db()
    assert thread.reply_count == 1
    notice = Notification.objects.get(recipient=author, kind="thread_reply")
    assert "My thread" in notice.text and "PlainReader" not in notice.text
    assert notice.url == f"{_thread_url(thread)}?page=1#post-{reply.pk}"
    # Replying in your own thread tells nobody.
    client.force_login(author)
    client.post(_thread_url(thread), {"body": "Thank you."})
    assert Notification.objects.filter(kind="thread_reply").count() == 1


def test_a_reply_beyond_the_first_page_is_linked_on_its_page(client, group, author, reader):
    thread = make_thread(group, author, title="Long thread")
    for number in range(30):
        make_reply(thread, reader, body=f"Reply {number}")
    Post.objects.filter(pk=thread.pk).update(reply_count=30)
    client.force_login(reader)
    response = client.post(_thread_url(thread), {"body": "The 31st reply."})
    reply = Post.objects.get(body="The 31st reply.")
    assert response.url == f"{_thread_url(thread)}?page=2#post-{reply.pk}"
    assert Notification.objects.get(kind="thread_reply").url == response.url
    assert "The 31st reply." in client.get(response.url).content.decode()


def test_edit_keeps_the_history_for_moderators_and_only_the_author_may_edit(
    client, group, author, reader, group_moderator
):
    thread = make_thread(group, author, title="First title", body="first words")
    client.force_login(reader)
    assert client.get(reverse("post_edit", args=[group.slug, thread.pk])).status_code == 403
    client.force_login(author)
    client.post(
        reverse("post_edit", args=[group.slug, thread.pk]),
        {"title": "Second title", "body": "second words", "content_warning": ""},
    )
    thread.refresh_from_db()
    assert thread.body == "second words" and thread.edited_at is not None
    revision = PostRevision.objects.get(post=thread)
    assert revision.body == "first words" and revision.title == "First title"
    client.force_login(group_moderator)
    history = client.get(reverse("post_history", args=[group.slug, thread.pk])).content.decode()
    assert "first words" in history and "second words" in history


def test_deleted_post_leaves_a_tombstone(client, group, author, reader):
    thread = make_thread(group, author)
    reply = make_reply(thread, author, body="words I regret")
    client.force_login(author)
    client.post(reverse("post_delete", args=[group.slug, reply.pk]), {"confirmed": "1"})
    reply.refresh_from_db()
    assert reply.deleted_at is not None and reply.body == ""
    assert PostRevision.objects.get(post=reply).body == "words I regret"
    client.force_login(reader)
    page = client.get(_thread_url(thread)).content.decode()
    assert "words I regret" not in page
    assert "This post was deleted by its author." in page


def test_reactions_toggle_and_are_counted_without_listing_who(client, group, author, reader):
    thread = make_thread(group, author, is_anonymous=True)
    client.force_login(reader)
    url = reverse("post_react", args=[group.slug, thread.pk])
    client.post(url, {"kind": "support"})
    assert Reaction.objects.filter(post=thread, user=reader, kind="support").exists()
    page = client.get(_thread_url(thread)).content.decode()
    assert 'value="support" class="reaction reaction-mine" aria-pressed="true"' in page
    assert "PlainReader" not in page
    client.post(url, {"kind": "support"})
    assert not Reaction.objects.exists()
    client.post(url, {"kind": "laugh"})
    assert not Reaction.objects.exists()


def test_muted_member_cannot_post(client, group, author, group_moderator):
    Sanction.objects.create(
        user=author,
        group=group,
        kind=Sanction.Kind.MUTE,
        reason="cool down",
        ends_at=timezone.now() + timedelta(hours=1),
        created_by=group_moderator,
    )
    client.force_login(author)
    response = client.post(reverse("thread_new", args=[group.slug]), {"title": "t", "body": "b"})
    assert response.status_code == 403
    assert not Post.objects.exists()


def test_newcomers_see_only_what_was_posted_after_they_joined_when_the_group_says_so(
    client, author
):
    group = make_group(history_policy=Group.HistoryPolicy.SINCE_JOINING)
    add_member(group, author)
    old = make_thread(group, author, title="Before you came")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    newcomer = make_member()
    add_member(group, newcomer)
    new = make_thread(group, author, title="After you came")
    client.force_login(newcomer)
    listing = client.get(reverse("group_detail", args=[group.slug])).content.decode()
    assert "After you came" in listing and "Before you came" not in listing
    assert client.get(_thread_url(old)).status_code == 404
    assert client.get(_thread_url(new)).status_code == 200


def test_blocked_members_named_posts_are_hidden_but_anonymous_ones_stay(
    client, group, author, reader
):
    named = make_thread(group, author, title="Named by blocked")
    anonymous = make_thread(group, author, title="Anonymous by blocked", is_anonymous=True)
    Block.objects.create(owner=reader, target=author, kind=Block.Kind.BLOCK)
    client.force_login(reader)
    listing = client.get(reverse("group_detail", args=[group.slug])).content.decode()
    assert "Named by blocked" not in listing
    # If it vanished too, the reader would learn who wrote it.
    assert "Anonymous by blocked" in listing
    assert client.get(_thread_url(named)).status_code == 404
    assert client.get(_thread_url(anonymous)).status_code == 200


@pytest.mark.parametrize("rows", [5, 50])
def test_group_page_query_count_does_not_grow_with_threads(
    client, group, author, django_assert_num_queries, rows
):
    for number in range(rows):
        make_thread(group, make_member(), title=f"Thread {number}", is_anonymous=number % 2 == 0)
    client.force_login(author)
    # session, user, group, membership, member count, tags, block list, thread count, threads
    with django_assert_num_queries(9):
        response = client.get(reverse("group_detail", args=[group.slug]))
    assert response.status_code == 200
    assert response.content.decode().count('class="card thread-summary"') == min(rows, 20)


@pytest.mark.parametrize("rows", [5, 50])
def test_thread_page_query_count_does_not_grow_with_replies(
    client, group, author, group_moderator, django_assert_num_queries, rows
):
    thread = make_thread(group, author)
    for number in range(rows):
        reply = make_reply(
            thread, make_member(), body=f"Reply {number}", is_anonymous=number % 3 == 0
        )
        Reaction.objects.create(post=reply, user=author, kind="support")
    client.force_login(group_moderator)
    # session, user, group, membership, block list, thread, the viewer's visit (one upsert:
    # their list's read state, issue 13), block list (replies), reply count, replies,
    # reaction counts, own reactions, mute check
    with django_assert_num_queries(13):
        response = client.get(_thread_url(thread))
    assert response.status_code == 200
    assert response.content.decode().count('class="card post"') == min(rows, 30)


def test_acting_on_an_anonymous_post_by_the_owner_does_not_reveal_the_owner(
    client, group_moderator
):
    group = group_moderator.memberships.get().group
    owner = make_member(pseudonym="OwnerOwl")
    add_member(group, owner, role=Membership.Role.OWNER)
    anonymous = make_thread(group, owner, title="Anonymous", is_anonymous=True)
    client.force_login(group_moderator)
    response = client.post(
        reverse("moderation:post_sanction", args=[group.slug, anonymous.pk, "remove"]),
        {"reason": "Breaks the first rule of the group."},
        follow=True,
    )
    # The same answer as for anyone else: no "that is the owner".
    assert "The author is removed from the group." in response.content.decode()
    assert Membership.objects.get(user=owner, group=group).state == Membership.State.REMOVED


def test_reply_and_edit_forms_keep_what_was_typed(client, group, author):
    thread = make_thread(group, author, title="Keep it", body="original")
    client.force_login(author)
    reply = client.post(_thread_url(thread), {"body": "  ", "content_warning": "typed cw"})
    assert reply.status_code == 200
    assert "Write something before posting." in reply.content.decode()
    assert 'value="typed cw"' in reply.content.decode()
    assert not Post.objects.filter(thread=thread).exists()
    edit = client.post(
        reverse("post_edit", args=[group.slug, thread.pk]),
        {"title": "", "body": "edited words typed", "content_warning": ""},
    )
    assert "Give your thread a title." in edit.content.decode()
    assert "edited words typed" in edit.content.decode()
    thread.refresh_from_db()
    assert thread.body == "original" and not PostRevision.objects.exists()
