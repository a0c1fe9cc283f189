"""The groups directory's cards (issue 13, "Lists that scan"): a short plain-text
description and clear badges (how to join, "You're a member")."""

import pytest
from django.urls import reverse

from community.models import Group
from tests.community.groups_helpers import add_member, make_group
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _card(page: str, name: str) -> str:
    # After "Your groups", which names the viewer's groups too.
    results = page.index('id="results-heading"')
    name_at = page.index(f">{name}</a>", results)
    start = page.rindex('<article class="card group-card">', results, name_at)
    return page[start : page.index("</article>", start)]


def test_each_card_shows_a_plain_description_excerpt(member_client):
    make_group(name="Writers")
    Group.objects.filter(name="Writers").update(
        description="# Who we are\n\nA **peer** group for <i>writers</i>. " + "text " * 80
    )
    card = _card(member_client.get(reverse("group_directory")).content.decode(), "Writers")
    assert "Who we are A peer group for &lt;i&gt;writers&lt;/i&gt;." in card
    assert "<strong>" not in card and card.count("text") < 80 and "…" in card


def test_badges_say_how_to_join_and_whether_i_am_a_member(member_client, member):
    mine = make_group(name="Mine")
    add_member(mine, member)
    make_group(name="Asking", join_policy=Group.JoinPolicy.REQUEST)
    make_group(name="Invited", join_policy=Group.JoinPolicy.INVITE)
    page = member_client.get(reverse("group_directory")).content.decode()
    assert "You're a member" in _card(page, "Mine") and "Open to join" in _card(page, "Mine")
    assert "Ask to join" in _card(page, "Asking")
    assert "You're a member" not in _card(page, "Asking")
    assert "By invitation only" in _card(page, "Invited")


def test_a_pending_request_is_not_shown_as_membership(member_client, member):
    group = make_group(name="Waiting", join_policy=Group.JoinPolicy.REQUEST)
    add_member(group, member, state="pending")
    page = member_client.get(reverse("group_directory")).content.decode()
    assert "You're a member" not in _card(page, "Waiting")


@pytest.mark.parametrize("rows", [2, 12])
def test_directory_cards_keep_a_fixed_number_of_queries(
    member_client, member, django_assert_num_queries, rows
):
    for number in range(rows):
        group = make_group(name=f"Group {number:03d}", tags=("peer support",))
        add_member(group, make_member())
        if number % 2:
            add_member(group, member)
    # session, user, topic choices, your groups, page count, page of groups, their tags
    with django_assert_num_queries(7):
        page = member_client.get(reverse("group_directory")).content.decode()
    assert page.count("You're a member") == rows // 2
