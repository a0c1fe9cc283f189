"""The dashboard shows the member's own journal reminders that are due, in a fixed number of
queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import JournalReminder
from tests.factories import make_member

pytestmark = pytest.mark.django_db

# Session, user, profile (avatar and pseudonym), the member's reminders.
QUERIES_FOR_DASHBOARD = 4


def _remind(owner, *, days_from_today: int, note: str) -> JournalReminder:
    return JournalReminder.objects.create(
        owner=owner,
        due_on=timezone.localdate() + datetime.timedelta(days=days_from_today),
        note=note,
    )


def test_dashboard_shows_due_reminders_only_and_only_the_members_own(member_client, member):
    _remind(member, days_from_today=0, note="Send the grievance form")
    _remind(member, days_from_today=-3, note="Call the union rep")
    _remind(member, days_from_today=5, note="Tribunal deadline")
    dismissed = _remind(member, days_from_today=-1, note="Already handled")
    dismissed.dismissed_at = timezone.now()
    dismissed.save(update_fields=["dismissed_at"])
    _remind(make_member(), days_from_today=-1, note="Somebody else's reminder")

    html = member_client.get(reverse("home")).content.decode()

    assert "Journal reminders due" in html
    assert html.count('class="due-reminder"') == 2
    # The notes stay in the journal: the home page shows only that something is due, and when.
    assert "Send the grievance form" not in html
    assert "Call the union rep" not in html
    assert "Tribunal deadline" not in html
    assert "Already handled" not in html
    assert "Somebody else" not in html
    assert f'href="{reverse("journal_reminders")}"' in html


def test_dashboard_has_no_reminder_section_when_nothing_is_due(member_client, member):
    _remind(member, days_from_today=1, note="Tomorrow's call")
    html = member_client.get(reverse("home")).content.decode()
    assert "Journal reminders due" not in html
    assert "Tomorrow's call" not in html


@pytest.mark.parametrize("count", [5, 50])
def test_dashboard_query_count_does_not_grow_with_reminders(
    member_client, member, count, django_assert_num_queries
):
    for number in range(count):
        _remind(member, days_from_today=-number, note=f"reminder {number}")
    member_client.get(reverse("home"))  # warm up per-session lookups
    with django_assert_num_queries(QUERIES_FOR_DASHBOARD):
        response = member_client.get(reverse("home"))
    assert response.content.decode().count('class="due-reminder"') == count
