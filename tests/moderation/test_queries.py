"""The moderator pages do not run a query per row: the count at 5 rows holds at 50, and the
page then shows every one of the 50 rows."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moderation.actions.flag import flag_content
from moderation.actions.sanction import sanction_member
from moderation.flaggables import get_flaggable
from moderation.policy import Reason
from moderation.selectors.scoring import item_score
from tests.community.groups_helpers import add_member
from tests.factories import make_member
from tests.moderation.conftest import post_message


def _fill(scene, count, *, first=0):
    """Flags `count` new messages, "message <first>" onwards."""
    flaggable = get_flaggable("message")
    for index in range(first, first + count):
        message = post_message(room=scene.room, sender=scene.author, body=f"message {index}")
        flag_content(flagger=scene.reporter, flaggable=flaggable, obj=message, reason=Reason.SPAM)


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _texts(pattern: str, page: str) -> list[str]:
    return sorted(re.findall(pattern, page, re.DOTALL))


def _flagged_messages(count: int) -> list[str]:
    return sorted(f"message {index}" for index in range(count))


def _queue_rows(page: str) -> list[str]:
    """The text each row of the queue links to its item by (the flagged content)."""
    return _texts(
        r'<tr class="queue-row[^"]*" data-item-id="\d+">\s*<td>\s*<a [^>]*>([^<]*)</a>', page
    )


def _audit_rows(page: str) -> list[str]:
    """The content each audit row recorded at the time (its last cell)."""
    return _texts(
        r'<tr class="audit-row"[^>]*>(?:\s*<td>.*?</td>)*?\s*<td>([^<]*)</td>\s*</tr>', page
    )


@pytest.mark.parametrize(
    ("name", "rows_of"),
    [("moderation:queue", _queue_rows), ("moderation:audit", _audit_rows)],
    ids=["queue", "audit"],
)
def test_moderator_pages_run_the_same_queries_for_5_and_50_rows(
    client, scene, name, rows_of, django_assert_num_queries
):
    client.force_login(scene.site_moderator)
    url = reverse(name)
    _fill(scene, 5)
    assert rows_of(client.get(url).content.decode()) == _flagged_messages(5)
    with_five = _queries_for(client, url)
    _fill(scene, 45, first=5)
    with django_assert_num_queries(with_five):
        response = client.get(url)
    # Every one of the 50 flagged messages has its row, once: a query count that holds only
    # because rows went missing would fail here.
    assert rows_of(response.content.decode()) == _flagged_messages(50)


def test_member_history_queries_do_not_grow(client, scene, django_assert_num_queries):
    client.force_login(scene.moderator)
    url = reverse("moderation:member", args=[scene.author.profile.public_id])

    def warn_until(total):
        while scene.author.sanctions.count() < total:
            sanction_member(
                actor=scene.moderator,
                target=scene.author,
                kind="warn",
                reason=f"r{scene.author.sanctions.count()}",
                group=scene.group,
            )

    def reasons_shown(page: str) -> list[str]:
        # The date is a <time> element (community/dates.py).
        return _texts(r"<li>Warning[^<]*<time [^>]*>[^<]*</time>[^<]*— (r\d+)</li>", page)

    warn_until(5)
    with_five = _queries_for(client, url)
    assert reasons_shown(client.get(url).content.decode()) == sorted(f"r{n}" for n in range(5))
    warn_until(50)
    with django_assert_num_queries(with_five):
        response = client.get(url)
    assert reasons_shown(response.content.decode()) == sorted(f"r{n}" for n in range(50))


def test_item_score_weighs_every_pending_flag_in_the_same_queries_for_2_and_12_flaggers(
    scene, django_assert_num_queries
):
    flaggable = get_flaggable("message")
    message = post_message(room=scene.room, sender=scene.author, body="flagged by many")

    def flag_by(count):
        for _ in range(count):
            flagger = make_member()
            add_member(group=scene.group, user=flagger)
            result = flag_content(
                flagger=flagger, flaggable=flaggable, obj=message, reason=Reason.SPAM
            )
        return result.obj.item

    item = flag_by(2)
    with CaptureQueriesContext(connection) as captured:
        item_score(item=item)
    flag_by(10)
    with django_assert_num_queries(len(captured)):
        item_score(item=item)
