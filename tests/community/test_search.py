"""Search (issue 12): a member finds what they may read, and nothing else, through the real
view; one test per privacy rule. The suite runs on SQLite (FTS5) and PostgreSQL (.ci/run),
so each expected set holds in both engines."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import Group, Membership, SupportRequest
from community.search import search_terms, search_triggers_in_place
from community.services.data_rights import delete_account
from messaging.models import ConversationParticipant
from messaging.services.conversations import (
    get_or_create_group_room,
    start_direct_conversation,
)
from moderation.models import Block
from tests.community.groups_helpers import add_member, make_group, make_reply, make_thread
from tests.factories import make_member, make_message, make_support_thread

pytestmark = pytest.mark.django_db

URL = reverse("search")


def search(client, query: str, page: int | None = None):
    data = {"q": query}
    if page:
        data["page"] = page
    return client.post(URL, data)


def found(client, query: str) -> str:
    response = search(client, query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def reader(db):
    return make_member(pseudonym="Reader")


@pytest.fixture
def reader_client(reader):
    client = Client()
    client.force_login(reader)
    return client


@pytest.fixture
def writer(db):
    return make_member(pseudonym="Writer")


@pytest.fixture
def group(reader, writer):
    group = make_group(name="Night shift")
    add_member(group, reader)
    add_member(group, writer)
    return group


def test_finds_thread_titles_posts_replies_and_room_messages(reader_client, group, writer):
    thread = make_thread(group, writer, title="Rota changes", body="The manager moved rotas.")
    make_reply(thread, writer, body="Same thing happened with the quarterly rotas.")
    make_message(
        conversation=get_or_create_group_room(group=group), sender=writer, body="rotas again"
    )
    page = found(reader_client, "rota")
    assert "Rota changes" in page  # the title, as the thread's result
    assert "Reply in “Rota changes”" in page
    assert "Night shift: live room" in page
    assert "3 results" in page
    assert "<mark>rotas</mark>" in page
    assert "Writer" in page


def test_every_word_must_match_as_a_prefix(reader_client, group, writer):
    make_thread(group, writer, title="Payroll", body="overtime was never paid")
    make_thread(group, writer, title="Other", body="overtime only")
    page = found(reader_client, "overt PAID")
    assert "Payroll" in page
    assert "Other" not in page


def test_groups_the_viewer_is_not_an_active_member_of_are_not_searched(reader, reader_client):
    writer = make_member()
    private = make_group(name="Hidden circle", visibility=Group.Visibility.UNLISTED)
    add_member(private, writer)
    make_thread(private, writer, title="Secret plan", body="whistleblowing details")
    make_message(
        conversation=get_or_create_group_room(group=private), sender=writer, body="whistleblowing"
    )
    listed = make_group(name="Open group")
    add_member(listed, writer)
    make_thread(listed, writer, title="Listed but not joined", body="whistleblowing too")
    for state in [None, *[s for s in Membership.State if s != Membership.State.ACTIVE]]:
        if state is not None:
            add_member(private, reader, state=state)
        page = found(reader_client, "whistleblowing")
        assert "0 results" in page, state
        assert "Secret plan" not in page and "Listed but not joined" not in page


def test_since_joining_hides_older_posts_replies_and_room_messages(reader, reader_client, writer):
    group = make_group(name="Newcomers see new", history_policy=Group.HistoryPolicy.SINCE_JOINING)
    add_member(group, writer)
    room = get_or_create_group_room(group=group)
    old_thread = make_thread(group, writer, title="Before you came", body="grievance old")
    make_message(conversation=room, sender=writer, body="grievance old message")
    add_member(group, reader, joined_at=timezone.now() + timedelta(seconds=1))
    later = timezone.now() + timedelta(seconds=2)
    make_reply(old_thread, writer, body="grievance reply after joining", created_at=later)
    make_thread(group, writer, title="After you came", body="grievance new", created_at=later)
    page = found(reader_client, "grievance")
    assert "After you came" in page
    assert "1 result" in page
    # The group's moderators read the whole history of posts, as on the thread pages.
    moderator = make_member()
    add_member(group, moderator, role=Membership.Role.MODERATOR, joined_at=later)
    moderator_client = Client()
    moderator_client.force_login(moderator)
    page = found(moderator_client, "grievance")
    assert "Before you came" in page and "Reply in “Before you came”" in page


@pytest.mark.parametrize("kind", [Block.Kind.BLOCK, Block.Kind.MUTE])
def test_blocked_and_muted_authors_are_left_out(reader, reader_client, group, writer, kind):
    thread = make_thread(group, writer, title="By the writer", body="harassment report")
    other = make_member()
    add_member(group, other)
    make_reply(thread, other, body="harassment reply in the writer's thread")
    make_message(
        conversation=get_or_create_group_room(group=group), sender=writer, body="harassment"
    )
    Block.objects.create(owner=reader, target=writer, kind=kind)
    page = found(reader_client, "harassment")
    assert "0 results" in page


def test_an_anonymous_post_by_a_blocked_author_stays_and_stays_anonymous(
    reader, reader_client, group, writer
):
    make_thread(group, writer, title="Unsigned", body="bullying story", is_anonymous=True)
    Block.objects.create(owner=reader, target=writer, kind=Block.Kind.BLOCK)
    page = found(reader_client, "bullying")
    assert "Unsigned" in page
    assert "Anonymous member" in page
    assert "Writer" not in page
    assert writer.profile.public_id not in page


def test_deleted_and_hidden_content_never_matches(reader_client, group, writer):
    now = timezone.now()
    make_thread(group, writer, title="Deleted one", body="retaliation", deleted_at=now)
    make_thread(group, writer, title="Hidden one", body="retaliation", hidden_at=now)
    hidden_thread = make_thread(group, writer, title="Hidden thread", body="x", hidden_at=now)
    make_reply(hidden_thread, writer, body="retaliation in a hidden thread")
    room = get_or_create_group_room(group=group)
    for field in ("deleted_at", "hidden_at"):
        message = make_message(conversation=room, sender=writer, body=f"retaliation {field}")
        type(message).objects.filter(pk=message.pk).update(**{field: now})
    assert "0 results" in found(reader_client, "retaliation")


def test_direct_messages_only_once_accepted_and_only_for_participants(reader, reader_client, group):
    sender = make_member(pseudonym="Sender")
    add_member(group, sender)
    message = start_direct_conversation(
        sender=sender, recipient=reader, body="unionising plans", client_id="c1"
    )
    conversation = message.conversation
    # A request the reader has not answered is not searchable yet.
    assert "0 results" in found(reader_client, "unionising")
    ConversationParticipant.objects.filter(conversation=conversation, user=reader).update(
        state=ConversationParticipant.State.ACCEPTED
    )
    page = found(reader_client, "unionising")
    assert "Messages with Sender" in page
    sender_client = Client()
    sender_client.force_login(sender)
    assert "Messages with Reader" in found(sender_client, "unionising")
    bystander = Client()
    bystander.force_login(make_member())
    assert "0 results" in found(bystander, "unionising")
    for state in (ConversationParticipant.State.DECLINED, ConversationParticipant.State.LEFT):
        ConversationParticipant.objects.filter(conversation=conversation, user=reader).update(
            state=state
        )
        assert "0 results" in found(reader_client, "unionising")


def test_support_threads_show_the_members_alias_only(reader):
    advocate = make_member(pseudonym="Advocate")
    conversation = make_support_thread(member=reader, advocate=advocate, alias="Sparrow")
    make_message(conversation=conversation, sender=reader, body="dismissal letter arrived")
    advocate_client = Client()
    advocate_client.force_login(advocate)
    page = found(advocate_client, "dismissal")
    assert "Support conversation with Sparrow" in page
    assert "Sparrow" in page
    assert "Reader" not in page
    assert reader.profile.public_id not in page
    assert SupportRequest.objects.get().alias == "Sparrow"


def test_the_query_is_posted_never_in_the_address(reader_client, group, writer):
    make_thread(group, writer, title="Pay gap", body="salary comparison")
    response = reader_client.get(URL, {"q": "salary"})
    assert response.status_code == 200
    assert "Pay gap" not in response.content.decode()  # GET never searches
    page = found(reader_client, "salary")
    assert 'method="post"' in page
    assert "?q=" not in page and "q=salary" not in page
    assert search(reader_client, "salary")["Cache-Control"].startswith("max-age=0")


def test_pages_post_the_query_again(reader_client, group, writer):
    for number in range(25):
        make_thread(group, writer, title=f"Thread {number:02d}", body="meeting notes")
    first = found(reader_client, "meeting")
    assert "25 results" in first and "Page 1 of 2" in first
    assert '<input type="hidden" name="page" value="2">' in first
    second = search(reader_client, "meeting", page=2).content.decode()
    assert "Page 2 of 2" in second
    assert second.count('class="card search-hit"') == 5


def test_a_fixed_number_of_queries_whatever_the_results(
    reader_client, group, writer, django_assert_num_queries
):
    """Session and user; per source, the viewer's memberships, blocks and the ranked ids;
    then the page's posts and messages (one more for direct and support threads' people)."""
    room = get_or_create_group_room(group=group)
    make_thread(group, writer, title="One", body="complaint")
    make_message(conversation=room, sender=writer, body="complaint")
    search(reader_client, "complaint")  # warm the session and the site's caches
    with django_assert_num_queries(10) as few:
        search(reader_client, "complaint")
    for number in range(30):
        thread = make_thread(group, writer, title=f"T{number}", body="complaint")
        make_reply(thread, writer, body="complaint reply")
        make_message(conversation=room, sender=writer, body=f"complaint {number}")
    with django_assert_num_queries(len(few.captured_queries)):
        search(reader_client, "complaint")


@pytest.mark.parametrize(
    "query",
    ['"', "*", "NEAR(a b)", "a AND OR NOT b", "title:x", "-x", "^x", "x:*", "a & b | !c", "(", "'"],
)
def test_search_syntax_in_the_query_is_only_words(reader_client, group, writer, query):
    make_thread(group, writer, title="Plain", body="a b c x title")
    response = search(reader_client, query)
    assert response.status_code == 200
    page = response.content.decode()
    if not search_terms(query):
        assert "Type at least one word (letters or digits)." in page


def test_bad_input_gets_a_clear_error_and_keeps_the_text(reader_client):
    page = search(reader_client, "x" * 201).content.decode()
    assert "Use at most 200 characters." in page
    assert "x" * 201 in page  # kept in the field
    assert "Type at least one word to search for." in search(reader_client, "").content.decode()
    assert "Type at least one word (letters or digits)." in found(reader_client, "?!… --")


def test_a_flood_of_searches_gets_429_and_the_site_keeps_serving(reader_client, group):
    statuses = [search(reader_client, f"word{n}").status_code for n in range(35)]
    assert statuses[0] == 200
    assert statuses[-1] == 429
    assert reader_client.get(reverse("home")).status_code == 200


def test_edits_and_erasure_reach_the_index(reader, reader_client, group, writer):
    thread = make_thread(group, writer, title="Edited", body="firstword")
    thread.body = "secondword"
    thread.save()
    assert "0 results" in found(reader_client, "firstword")
    assert "Edited" in found(reader_client, "secondword")
    make_message(
        conversation=get_or_create_group_room(group=group), sender=writer, body="secondword too"
    )
    delete_account(user=writer, delete_contributions=True)
    assert "0 results" in found(reader_client, "secondword")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 triggers are SQLite's")
def test_the_search_triggers_survive_every_migration():
    """A later migration that rebuilds a table on SQLite drops its triggers: then it must
    create them again (community/search.py `full_text_index`)."""
    assert search_triggers_in_place() == {
        f"{table}_search_{event}"
        for table in ("community_post", "messaging_message")
        for event in ("insert", "delete", "update")
    }


def test_the_excerpt_escapes_member_text_and_marks_only_words(reader_client, group, writer):
    make_thread(group, writer, title="<b>Bold</b>", body="<script>alert(1)</script> amp &amp; ok")
    page = found(reader_client, "amp")
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    # What the member typed is shown as typed ("&amp;" holds the word "amp" too).
    assert "<mark>amp</mark> &amp;<mark>amp</mark>; ok" in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page


def test_signed_out_visitors_are_sent_to_sign_in():
    response = Client().post(URL, {"q": "anything"})
    assert response.status_code == 302
    assert "anything" not in response["Location"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN indexes are PostgreSQL's")
def test_postgresql_has_the_expression_indexes_the_queries_use():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%_search_idx'"
        )
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"community_post_search_idx", "messaging_message_search_idx"}
    assert all(
        "gin" in definition and "to_tsvector" in definition for definition in indexes.values()
    )


def test_the_best_match_comes_first_in_both_engines(reader_client, group, writer):
    make_thread(group, writer, title="Mentions it once", body="pension " + "filler words " * 40)
    make_thread(group, writer, title="All about it", body="pension pension pension pension")
    page = found(reader_client, "pension")
    assert page.index("All about it") < page.index("Mentions it once")
