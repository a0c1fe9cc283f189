"""The group page's thread list (issue 13, "Lists that scan"): each thread's excerpt, reply
count, last activity, and the viewer's own "New" / "N new replies" marker."""

import datetime
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import ThreadVisit
from community.sanitize import plain_excerpt
from community.selectors.posts import REPLIES_PAGE_SIZE
from community.services.data_rights import delete_account
from community.services.posts import create_reply
from moderation.models import Block
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return make_group(name="Night shift")


@pytest.fixture
def author(group):
    user = make_member(pseudonym="ThreadAuthor")
    add_member(group, user)
    return user


@pytest.fixture
def reader(group):
    user = make_member(pseudonym="ListReader")
    add_member(group, user)
    return user


def _group_page(client, group) -> str:
    return client.get(reverse("group_detail", args=[group.slug])).content.decode()


def _thread_card(page: str, title: str) -> str:
    """The HTML of the thread list's card whose title is `title`."""
    start = page.rindex('<article class="card thread-summary"', 0, page.index(title))
    return page[start : page.index("</article>", start)]


def _open(client, thread):
    response = client.get(reverse("thread_detail", args=[thread.group.slug, thread.pk]))
    assert response.status_code == 200


def test_each_thread_shows_an_excerpt_its_reply_count_and_last_activity(
    client, group, author, reader
):
    thread = make_thread(
        group,
        author,
        title="Rota changes",
        body="## Heads up\n\nThe **new rota** is out, see [the notice](https://example.org/x).",
    )
    replied_at = timezone.now() - timedelta(hours=2)
    make_reply(thread, reader, body="Thanks")
    make_reply(thread, reader, body="Again")
    type(thread).objects.filter(pk=thread.pk).update(reply_count=2, last_activity_at=replied_at)
    client.force_login(reader)
    card = _thread_card(_group_page(client, group), "Rota changes")
    assert "Heads up The new rota is out, see the notice." in card
    assert "https://example.org/x" not in card and "<strong>" not in card
    assert "2 replies" in card
    assert f'<time datetime="{_utc(replied_at)}"' in card


def test_excerpts_are_plain_text_cut_at_a_word_and_escaped(client, group, author, reader):
    make_thread(
        group,
        author,
        title="Escaping",
        body="<script>alert(1)</script> & <b>bold</b> " + "word " * 100,
    )
    client.force_login(reader)
    card = _thread_card(_group_page(client, group), "Escaping")
    assert "<script>" not in card and "<b>" not in card
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in card
    excerpt = plain_excerpt("word " * 100, length=160)
    assert len(excerpt) <= 161 and excerpt.endswith("word…")


def test_deleted_hidden_and_content_warned_threads_never_show_their_text(
    client, group, author, reader
):
    now = timezone.now()
    make_thread(group, author, title="Gone", body="Deleted words", deleted_at=now)
    make_thread(group, author, title="Hidden", body="Hidden words", hidden_at=now)
    make_thread(
        group, author, title="Careful", body="Graphic words", content_warning="a description"
    )
    client.force_login(reader)
    page = _group_page(client, group)
    assert "Deleted words" not in page and "Hidden words" not in page
    assert "Graphic words" not in page
    assert "Content warning: a description" in _thread_card(page, "Careful")


def test_an_unopened_thread_is_new_and_stops_being_new_once_opened(client, group, author, reader):
    thread = make_thread(group, author, title="Fresh thread")
    client.force_login(reader)
    assert "data-unread-thread" in _thread_card(_group_page(client, group), "Fresh thread")
    assert ">New<" in _thread_card(_group_page(client, group), "Fresh thread")
    _open(client, thread)
    assert "data-unread-thread" not in _thread_card(_group_page(client, group), "Fresh thread")


def _opened_a_minute_ago(reader, thread):
    ThreadVisit.objects.create(
        user=reader, thread=thread, seen_at=timezone.now() - timedelta(minutes=1)
    )


def test_an_unopened_thread_quiet_for_weeks_is_not_news(client, group, author, reader):
    old = timezone.now() - timedelta(days=15)
    make_thread(group, author, title="Old thread", created_at=old, last_activity_at=old)
    client.force_login(reader)
    assert "data-unread-thread" not in _thread_card(_group_page(client, group), "Old thread")


def test_new_replies_are_counted_until_the_member_opens_the_thread(client, group, author, reader):
    thread = make_thread(group, author, title="Busy thread")
    _opened_a_minute_ago(reader, thread)
    other = make_member()
    add_member(group, other)
    now = timezone.now()
    make_reply(thread, other, body="One")
    make_reply(thread, author, body="Two")
    # The reader's own reply is not news to them; deleted and hidden ones show nothing new.
    make_reply(thread, reader, body="Mine")
    make_reply(thread, other, body="Gone", deleted_at=now)
    make_reply(thread, other, body="Hidden", hidden_at=now)
    # Older than the visit: already seen.
    make_reply(thread, other, body="Old", created_at=now - timedelta(minutes=2))
    client.force_login(reader)
    card = _thread_card(_group_page(client, group), "Busy thread")
    assert "2 new replies" in card
    _open(client, thread)
    assert "data-unread-thread" not in _thread_card(_group_page(client, group), "Busy thread")


def test_replying_does_not_mark_the_thread_new_for_the_replier(client, group, author, reader):
    thread = make_thread(group, author, title="Answered")
    client.force_login(reader)
    response = client.post(
        reverse("thread_detail", args=[group.slug, thread.pk]), {"body": "My answer"}, follow=True
    )
    assert response.status_code == 200
    assert "data-unread-thread" not in _thread_card(_group_page(client, group), "Answered")
    # The author's list, though, has news: a reply from someone else.
    client.force_login(author)
    assert "1 new reply" in _thread_card(_group_page(client, group), "Answered")


def test_own_new_thread_is_not_marked_new(client, group, author):
    client.force_login(author)
    client.post(reverse("thread_new", args=[group.slug]), {"title": "Mine", "body": "Text"})
    assert "data-unread-thread" not in _thread_card(_group_page(client, group), "Mine")


def test_a_blocked_members_replies_are_not_counted_as_new(client, group, author, reader):
    thread = make_thread(group, author, title="Quiet")
    _opened_a_minute_ago(reader, thread)
    blocked = make_member()
    add_member(group, blocked)
    Block.objects.create(owner=reader, target=blocked, kind=Block.Kind.BLOCK)
    make_reply(thread, blocked, body="From the blocked")
    client.force_login(reader)
    assert "data-unread-thread" not in _thread_card(_group_page(client, group), "Quiet")


def test_read_state_is_the_members_own_and_never_shown_to_others(client, group, author, reader):
    thread = make_thread(group, author, title="Shared thread")
    client.force_login(reader)
    _open(client, thread)
    assert "data-unread-thread" not in _thread_card(_group_page(client, group), "Shared thread")
    # Someone else who has not opened it still sees it new: the reader's visit is not theirs,
    # and nothing on the page says who has read what.
    other = make_member(pseudonym="OtherReader")
    add_member(group, other)
    client.force_login(other)
    page = _group_page(client, group)
    assert ">New<" in _thread_card(page, "Shared thread")
    assert "ListReader" not in page
    thread_page = client.get(reverse("thread_detail", args=[group.slug, thread.pk]))
    assert "ListReader" not in thread_page.content.decode()


def test_read_state_is_exported_and_erased_with_the_account(client, group, author, reader):
    thread = make_thread(group, author, title="Exported")
    client.force_login(reader)
    _open(client, thread)
    response = client.post(reverse("data_export"), {"password": PASSWORD})
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        [visit] = json.loads(archive.read("threads_opened.json"))
    assert visit["thread"] == thread.pk and visit["group"] == "Night shift"
    assert ThreadVisit.objects.filter(user=reader).exists()
    delete_account(user=reader, delete_contributions=False)
    assert not ThreadVisit.objects.exists()


def test_a_reply_through_the_service_moves_last_activity(group, author, reader):
    thread = make_thread(group, author, title="Moving")
    before = thread.last_activity_at
    reply = create_reply(author=reader, thread=thread, body="Later")
    thread.refresh_from_db()
    assert thread.last_activity_at == reply.created_at and thread.last_activity_at >= before


@pytest.mark.parametrize("rows", [2, 12])
def test_thread_list_queries_stay_fixed_with_read_state(
    client, group, author, reader, django_assert_num_queries, rows
):
    for number in range(rows):
        thread = make_thread(group, make_member(), title=f"Thread {number}", body=f"Body {number}")
        if number % 2:
            _opened_a_minute_ago(reader, thread)
        make_reply(thread, make_member())
    client.force_login(reader)
    # session, user, group, membership, member count, tags, block list, thread count, threads
    # (with excerpt, visit and new replies in the same statement)
    with django_assert_num_queries(9):
        page = _group_page(client, group)
    assert page.count("data-unread-thread") == rows
    assert page.count("1 new reply") == rows // 2


def _utc(moment) -> str:
    # How the one date helper writes a moment (community/dates.py): UTC to the second.
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def test_opening_the_first_page_of_a_long_thread_leaves_the_later_pages_new(
    client, group, author, reader
):
    """A thread longer than one page: what the member has not been shown stays new, and opening
    an earlier page again never marks a later page's replies new once more."""
    thread = make_thread(group, author, title="Long thread")
    _opened_a_minute_ago(reader, thread)
    start = timezone.now() - timedelta(seconds=50)
    for number in range(REPLIES_PAGE_SIZE + 5):
        make_reply(
            thread, author, body=f"Reply {number}", created_at=start + timedelta(seconds=number)
        )
    client.force_login(reader)
    assert f"{REPLIES_PAGE_SIZE + 5} new replies" in _thread_card(
        _group_page(client, group), "Long thread"
    )

    _open(client, thread)  # the first page: replies 0 to 29

    assert "5 new replies" in _thread_card(_group_page(client, group), "Long thread")
    last_page = reverse("thread_detail", args=[group.slug, thread.pk]) + "?page=2"
    assert client.get(last_page).status_code == 200
    assert "data-unread-thread" not in _thread_card(_group_page(client, group), "Long thread")
    _open(client, thread)  # the first page again
    assert "data-unread-thread" not in _thread_card(_group_page(client, group), "Long thread")
