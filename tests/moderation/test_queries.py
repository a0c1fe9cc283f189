"""The moderator pages do not run a query per row: the count at 5 rows holds at 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moderation.actions.flag import flag_content
from moderation.actions.sanction import sanction_member
from moderation.flaggables import get_flaggable
from moderation.policy import Reason
from moderation.selectors.scoring import item_score
from tests.factories import make_member
from tests.moderation.conftest import add_member, post_message


def _fill(scene, count):
    flaggable = get_flaggable("message")
    for index in range(count):
        message = post_message(room=scene.room, sender=scene.author, body=f"message {index}")
        flag_content(flagger=scene.reporter, flaggable=flaggable, obj=message, reason=Reason.SPAM)


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["moderation:queue", "moderation:audit"])
def test_moderator_pages_run_the_same_queries_for_5_and_50_rows(
    client, scene, name, django_assert_num_queries
):
    client.force_login(scene.site_moderator)
    url = reverse(name)
    _fill(scene, 5)
    with_five = _queries_for(client, url)
    _fill(scene, 45)
    with django_assert_num_queries(with_five):
        client.get(url)


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

    warn_until(5)
    with_five = _queries_for(client, url)
    warn_until(50)
    with django_assert_num_queries(with_five):
        client.get(url)


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
