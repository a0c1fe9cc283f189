"""One date rendering (community/dates.py, the `when` filter) in the member's own time zone
(community/time_zones.py): relative within a day, absolute otherwise, translated."""

import datetime
import io
import json
import re
import zipfile

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from community.dates import render_when
from community.models import Profile
from community.services.data_rights import export_all_data
from community.time_zones import COOKIE_NAME

NOW = datetime.datetime(2026, 12, 2, 13, 5, tzinfo=datetime.UTC)
MADRID = "Europe/Madrid"


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", str(html))


def test_a_moment_in_the_last_day_is_relative_with_the_utc_moment_and_full_date_in_title():
    with timezone.override(MADRID):
        html = str(render_when(NOW - datetime.timedelta(minutes=5), now=NOW))
    assert html.startswith('<time datetime="2026-12-02T13:00:00Z" ')
    assert 'title="Wednesday 2 December 2026, 14:00 CET"' in html
    assert text_of(html) == "5 minutes ago"


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (datetime.timedelta(seconds=20), "just now"),
        (datetime.timedelta(minutes=1), "1 minute ago"),
        (datetime.timedelta(minutes=59), "59 minutes ago"),
        (datetime.timedelta(hours=1), "1 hour ago"),
        (datetime.timedelta(hours=3, minutes=50), "3 hours ago"),
        (datetime.timedelta(hours=23, minutes=59), "23 hours ago"),
        (datetime.timedelta(hours=24), "1 Dec 2026, 13:05"),
        (datetime.timedelta(days=40), "23 Oct 2026, 13:05"),
        (-datetime.timedelta(hours=2), "2 Dec 2026, 15:05"),
    ],
)
def test_relative_for_the_last_24_hours_and_absolute_otherwise(ago, text):
    with timezone.override("UTC"):
        assert text_of(render_when(NOW - ago, now=NOW)) == text


def test_absolute_dates_are_in_the_active_time_zone():
    moment = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)
    with timezone.override("Asia/Tokyo"):
        html = str(render_when(moment, now=NOW))
    assert text_of(html) == "1 Jul 2026, 08:30"
    assert 'datetime="2026-06-30T23:30:00Z"' in html
    assert 'data-when="relative"' not in html


def test_a_calendar_date_is_absolute_with_its_iso_date():
    html = str(render_when(datetime.date(2026, 3, 14), now=NOW))
    assert html == '<time datetime="2026-03-14">14 Mar 2026</time>'


def test_none_renders_nothing_and_the_filter_is_the_same_helper():
    assert render_when(None) == ""
    template = Template("{% load kindred %}{{ moment|when }}")
    with timezone.override("UTC"):
        rendered = template.render(Context({"moment": timezone.now()}))
    assert text_of(rendered) == "just now" and 'data-when="relative"' in rendered


def test_the_words_go_through_gettext_so_a_translation_changes_them(monkeypatch):
    seen = []

    def spy_ngettext(singular, plural, number):
        seen.append(plural)
        return plural

    monkeypatch.setattr("community.dates.ngettext", spy_ngettext)
    render_when(NOW - datetime.timedelta(hours=2), now=NOW)
    assert seen == ["%(count)d hours ago"]


def test_spanish_active_uses_the_spanish_month_names():
    moment = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC)
    with translation.override("es"), timezone.override("UTC"):
        text = text_of(render_when(moment, now=NOW + datetime.timedelta(days=3)))
    assert text.startswith("2 ") and "Dic" in text.title() and text.endswith("2026, 09:00")


# --- The member's time zone, for each request ---------------------------------------------


def page_zone(response) -> str | None:
    match = re.search(r'<html [^>]*data-time-zone="([^"]+)"', response.content.decode())
    return match.group(1) if match else None


@pytest.mark.django_db
def test_the_profile_zone_wins_over_the_browser_cookie(client, member):
    Profile.objects.filter(user=member).update(time_zone=MADRID)
    client.force_login(member)
    client.cookies[COOKIE_NAME] = "Asia/Tokyo"
    response = client.get(reverse("settings"))
    assert page_zone(response) == MADRID


@pytest.mark.django_db
def test_without_a_profile_zone_the_browser_cookie_is_used(client, member):
    client.force_login(member)
    client.cookies[COOKIE_NAME] = "Asia/Tokyo"
    assert page_zone(client.get(reverse("settings"))) == "Asia/Tokyo"


@pytest.mark.django_db
@pytest.mark.parametrize("junk", ["Mars/Olympus", "../../etc/passwd", "localtime", "x" * 300])
def test_a_junk_cookie_is_ignored_and_utc_used(client, member, junk):
    client.force_login(member)
    client.cookies[COOKIE_NAME] = junk
    assert page_zone(client.get(reverse("settings"))) == "UTC"


@pytest.mark.django_db
def test_pages_render_dates_in_the_members_zone(client, member):
    Profile.objects.filter(user=member).update(time_zone="Asia/Tokyo")
    client.force_login(member)
    response = client.get(reverse("sign_in_activity"))
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'<td><time datetime="[^"]+Z" title="[^"]+ JST"', page)
    assert "&lt;time" not in page


def test_inside_a_translated_sentence_the_markup_is_kept_not_escaped():
    template = Template(
        "{% load i18n kindred %}"
        "{% blocktranslate with saved=moment|when %}Saved {{ saved }}{% endblocktranslate %}"
    )
    rendered = template.render(Context({"moment": NOW}))
    assert rendered.startswith('Saved <time datetime="2026-12-02T13:05:00Z"')


@pytest.mark.django_db
def test_the_zone_is_not_on_pages_for_someone_signed_out(client):
    client.cookies[COOKIE_NAME] = MADRID
    assert page_zone(client.get(reverse("account_login"))) is None


# --- The setting ---------------------------------------------------------------------------


def profile_data(member, **overrides) -> dict:
    profile = member.profile
    data = {
        "pseudonym": profile.pseudonym,
        "pronouns": "",
        "bio": "",
        "dm_policy": profile.dm_policy,
        "unfamiliar_requests": profile.unfamiliar_requests,
        "time_zone": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_profile_form_offers_every_zone_with_the_browsers_as_the_blank_choice(client, member):
    client.force_login(member)
    page = client.get(reverse("profile_edit")).content.decode()
    assert re.search(r'<select name="time_zone"[^>]*id="id_time_zone"', page)
    assert '<option value="" selected>Use my browser&#x27;s</option>' in page
    assert '<option value="Europe/Madrid">Europe/Madrid</option>' in page
    assert '<label for="id_time_zone"' in page


@pytest.mark.django_db
def test_saving_a_zone_applies_it_at_once_and_blank_goes_back_to_the_browser(client, member):
    client.force_login(member)
    client.cookies[COOKIE_NAME] = "Asia/Tokyo"
    response = client.post(reverse("profile_edit"), profile_data(member, time_zone=MADRID))
    assert response.status_code == 302
    member.profile.refresh_from_db()
    assert member.profile.time_zone == MADRID
    assert page_zone(client.get(reverse("settings"))) == MADRID

    client.post(reverse("profile_edit"), profile_data(member, time_zone=""))
    member.profile.refresh_from_db()
    assert member.profile.time_zone == ""
    assert page_zone(client.get(reverse("settings"))) == "Asia/Tokyo"


@pytest.mark.django_db
def test_an_unknown_zone_is_refused_with_an_error_on_the_field(client, member):
    client.force_login(member)
    response = client.post(reverse("profile_edit"), profile_data(member, time_zone="Mars/Base"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "time_zone" in form.errors
    member.profile.refresh_from_db()
    assert member.profile.time_zone == ""


@pytest.mark.django_db
def test_the_zone_comes_back_at_the_next_sign_in_on_another_device(client, member):
    client.force_login(member)
    client.post(reverse("profile_edit"), profile_data(member, time_zone=MADRID))
    other_device = Client()
    other_device.force_login(member)
    assert page_zone(other_device.get(reverse("settings"))) == MADRID


@pytest.mark.django_db
def test_the_zone_is_never_shown_to_another_member(client, member, other_member):
    Profile.objects.filter(user=member).update(time_zone="Pacific/Chatham")
    client.force_login(other_member)
    page = client.get(reverse("profile_detail", args=[member.profile.public_id]))
    assert page.status_code == 200
    assert "Chatham" not in page.content.decode()


@pytest.mark.django_db
def test_the_members_own_data_export_lists_their_zone(client, member):
    Profile.objects.filter(user=member).update(time_zone=MADRID)
    with zipfile.ZipFile(io.BytesIO(export_all_data(user=member))) as archive:
        account = json.loads(archive.read("account.json"))
    assert account["profile"]["time_zone"] == MADRID
