"""The advocate directory's cards (issue 13, "Lists that scan"): a short plain-text bio,
specialties, languages and availability as badges, and each advocate's measured typical
response time; the directory sorts by it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import SupportRequest
from tests.community.advocates_helpers import make_advocate, specialty
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _answered(advocate, *, waited: timedelta, days_ago: float = 1):
    accepted_at = timezone.now() - timedelta(days=days_ago)
    SupportRequest.objects.create(
        member=make_member(),
        advocate=advocate,
        accepted_by=advocate,
        specialty=specialty("counselling"),
        summary="x",
        language="en",
        status=SupportRequest.Status.RESOLVED,
        created_at=accepted_at - waited,
        routed_at=accepted_at - waited,
        accepted_at=accepted_at,
    )


def _directory(client, **params) -> str:
    response = client.get(reverse("advocate_directory"), params)
    assert response.status_code == 200
    return response.content.decode()


def _card(page: str, pseudonym: str) -> str:
    start = page.rindex('<li class="card advocate-card">', 0, page.index(f">{pseudonym}</a>"))
    return page[start : page.index("</li>\n", page.index("list-item-meta", start))]


def test_each_card_shows_a_plain_bio_excerpt_badges_and_the_typical_response(member_client):
    advocate = make_advocate(
        pseudonym="Kestrel",
        specialties=("legal", "career"),
        languages=("en", "fr"),
        bio="**Employment lawyer** for ten years. <em>Ask</em> " + "more " * 60,
    )
    for hours in (1, 3, 8):
        _answered(advocate, waited=timedelta(hours=hours))
    card = _card(_directory(member_client), "Kestrel")
    assert "Employment lawyer for ten years. &lt;em&gt;Ask&lt;/em&gt;" in card
    assert "<strong>" not in card and card.count("more") < 60 and "…" in card
    assert '<li class="badge">Legal</li>' in card or ">Legal<" in card
    assert "French" in card and "Taking requests" in card and "Verified advocate" in card
    assert "Typical first response: 3 hours" in card


def test_an_advocate_without_answered_requests_says_so(member_client):
    make_advocate(pseudonym="Newcomer")
    card = _card(_directory(member_client), "Newcomer")
    assert "Not enough answered requests yet" in card


def test_card_and_own_page_show_the_same_measure(member_client, client):
    advocate = make_advocate(pseudonym="Same")
    _answered(advocate, waited=timedelta(minutes=30))
    _answered(advocate, waited=timedelta(minutes=50))
    _answered(advocate, waited=timedelta(days=9), days_ago=120)  # outside the 90 days
    assert "Typical first response: 40 minutes" in _card(_directory(member_client), "Same")
    detail = member_client.get(reverse("advocate_detail", args=[advocate.profile.public_id]))
    assert "40 minutes" in detail.content.decode()


def test_directory_sorts_by_fastest_typical_response_with_unmeasured_last(member_client):
    slow, fast, unmeasured, middle = (
        make_advocate(pseudonym=name) for name in ("Alder", "Birch", "Cedar", "Dogwood")
    )
    _answered(slow, waited=timedelta(days=2))
    _answered(fast, waited=timedelta(minutes=20))
    _answered(middle, waited=timedelta(hours=5))
    assert unmeasured
    recommended = _directory(member_client)
    assert (
        recommended.index(">Alder<")
        < recommended.index(">Birch<")
        < recommended.index(">Cedar<")
        < recommended.index(">Dogwood<")
    )
    fastest = _directory(member_client, sort="fastest")
    assert (
        fastest.index(">Birch<")
        < fastest.index(">Dogwood<")
        < fastest.index(">Alder<")
        < fastest.index(">Cedar<")
    )
    assert '<option value="fastest" selected>' in fastest


def test_an_unknown_sort_keeps_the_filters_and_says_what_is_wrong(member_client):
    make_advocate(pseudonym="Stays", languages=("fr",))
    make_advocate(pseudonym="FilteredOut", languages=("de",))
    page = _directory(member_client, sort="nonsense", language="fr")
    assert "Stays" in page and "FilteredOut" not in page
    assert "Select a valid choice" in page


@pytest.mark.parametrize("count", [2, 12])
def test_directory_queries_stay_fixed_with_response_times(
    member_client, django_assert_num_queries, count
):
    for number in range(count):
        advocate = make_advocate(specialties=("legal", "career"), languages=("en", "fr"))
        _answered(advocate, waited=timedelta(hours=number + 1))
    member_client.get(reverse("advocate_directory"))
    # session, user, specialty choices, advocates, their specialties, response times,
    # the viewer's own advocate status
    with django_assert_num_queries(7):
        page = _directory(member_client, sort="fastest")
    assert page.count("Typical first response:") == count
