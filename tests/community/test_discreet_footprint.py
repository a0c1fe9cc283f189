"""A discreet footprint on the device (issue 14, part 2; DESIGN.md invariants "neutral titles"
and "discreet notifications"): once signed in, every page's title is the configured neutral
name and its icon the neutral one, for every role; exports drop the service's name; the
server-error page runs the same quick exit with the configured address; the safer-device
notice and its article."""

import io
import re
import zipfile

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse

from community.models import Article, Membership
from community.services.data_rights import export_all_data
from community.services.journal_export import build_journal_export
from messaging.services.conversations import get_or_create_group_room
from tests.community.advocates_helpers import make_advocate
from tests.community.groups_helpers import add_member, make_group, make_thread
from tests.crawl import crawl
from tests.factories import PASSWORD, make_member, make_support_thread, unlock_journal

pytestmark = pytest.mark.django_db

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
ICON = re.compile(r'<link rel="icon" href="([^"]+)"')


def _titles_and_icons(html: str) -> tuple[list[str], list[str]]:
    return [title.strip() for title in TITLE.findall(html)], ICON.findall(html)


def _assert_neutral(pages, neutral: str = "Notes") -> int:
    checked = 0
    for page in pages:
        if not page.is_html or page.status not in (200, 400, 403, 404):
            continue
        titles, icons = _titles_and_icons(page.html)
        assert titles == [neutral], (page.path, titles)
        assert icons and all("favicon-neutral" in icon for icon in icons), (page.path, icons)
        checked += 1
    return checked


@pytest.fixture
def community_with_everything(member):
    """A group with a thread and a room, a support thread with an advocate: pages enough for
    each role's crawl to reach every kind of page."""
    group = make_group(name="Harassment at the depot")
    add_member(group, member)
    moderator = make_member(mfa=True)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    make_thread(group, member, title="Journal of what happened", body="Support needed.")
    get_or_create_group_room(group=group)
    advocate = make_advocate(pseudonym="CounsellorAsh")
    add_member(group, advocate)
    make_support_thread(member=member, advocate=advocate)
    return {"group": group, "moderator": moderator, "advocate": advocate}


@pytest.mark.parametrize("role", ["member", "group moderator", "advocate", "staff"])
def test_every_signed_in_page_has_the_neutral_title_and_icon(
    role, member, community_with_everything
):
    user = {
        "member": member,
        "group moderator": community_with_everything["moderator"],
        "advocate": community_with_everything["advocate"],
        # Staff's pages of the site itself (the moderation queue, appeals, the audit log);
        # the admin has its own test below.
        "staff": make_member(staff=True, mfa=True),
    }[role]
    client = Client()
    client.force_login(user)
    group = community_with_everything["group"]
    pages = crawl(client, ["/", "/settings/", f"/groups/{group.slug}/", "/messages/"], limit=120)
    assert _assert_neutral(pages) >= 25, role


def test_staff_see_only_the_neutral_title_in_the_admin_too(member, community_with_everything):
    staff = make_member(staff=True, mfa=True)
    client = Client()
    client.force_login(staff)
    urls = ["/admin/"]
    for model in admin.site._registry:
        try:
            urls.append(
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            )
        except NoReverseMatch:
            continue
    pages = crawl(client, urls, limit=len(urls) + 40)
    assert _assert_neutral([page for page in pages if page.path.startswith("/admin/")]) >= len(
        admin.site._registry
    )


def test_the_neutral_name_is_configurable_and_signed_out_pages_keep_theirs(member_client):
    with override_settings(KINDRED_NEUTRAL_NAME="Shopping list"):
        titles, _icons = _titles_and_icons(member_client.get("/").content.decode())
        assert titles == ["Shopping list"]
    titles, icons = _titles_and_icons(Client().get(reverse("privacy")).content.decode())
    assert titles == ["How we protect you · Kindred"]
    assert "favicon-neutral" not in icons[0]


def test_authenticator_apps_show_the_neutral_name_by_default():
    assert settings.MFA_TOTP_ISSUER == settings.KINDRED_NEUTRAL_NAME == "Notes"


def test_not_found_and_forbidden_pages_stay_neutral(member_client):
    for path in ["/groups/no-such-group/", "/messages/999999/"]:
        response = member_client.get(path)
        assert response.status_code == 404
        assert _titles_and_icons(response.content.decode())[0] == ["Notes"]


@override_settings(
    ROOT_URLCONF="tests.config.urls_failing", KINDRED_QUICK_EXIT_URL="https://exit.example/"
)
def test_the_server_error_page_runs_quick_exit_with_the_configured_address():
    response = Client(raise_request_exception=False).get("/test-failure/")
    assert response.status_code == 500
    html = response.content.decode()
    assert 'href="https://exit.example/"' in html
    assert 'data-quick-exit-url="https://exit.example/"' in html
    assert "wikipedia" not in html
    nonce = re.search(r'<script type="module" src="[^"]*quick-exit[^"]*" nonce="([^"]+)"', html)
    assert nonce, html
    assert f"'nonce-{nonce.group(1)}'" in response["Content-Security-Policy"]
    assert _titles_and_icons(html)[0] == ["Notes"]


def test_exports_drop_the_services_name(member):
    export = build_journal_export(owner=member)
    assert "kindred" not in export["format"].lower()
    assert export["format"] == "journal-export/1"
    with zipfile.ZipFile(io.BytesIO(export_all_data(user=member))) as archive:
        for name in archive.namelist():
            assert "kindred" not in name.lower()
            assert b"kindred" not in archive.read(name).lower(), name


def test_the_signup_page_and_the_first_home_page_show_the_safer_device_notice(member_client):
    signup = Client().get(reverse("account_signup")).content.decode()
    assert "Is someone else able to check this device?" in signup
    article_url = reverse("resource_article", args=["using-this-site-on-a-shared-device"])
    assert article_url in signup
    home = member_client.get("/").content.decode()
    assert "Is someone else able to check this device?" in home
    response = member_client.post(reverse("safer_device_notice_dismiss"))
    assert response.status_code == 302
    assert (
        "Is someone else able to check this device?" not in member_client.get("/").content.decode()
    )
    article = member_client.get(article_url).content.decode()
    assert "Using this site on a device someone else may check" in article
    for topic in (
        "Private browsing",
        "What quick exit can and cannot do",
        "Removing only this site",
    ):
        assert topic in article


def test_the_safer_device_article_exists_without_demo_data():
    article = Article.objects.get(slug="using-this-site-on-a-shared-device")
    assert article.published and "quick exit" in article.body


def test_the_favicon_ico_browsers_ask_for_is_the_neutral_icon(client):
    # Browsers keep /favicon.ico for the whole site, in the history and bookmarks too.
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert "favicon-neutral" in response["Location"]


@override_settings(KINDRED_SEARCH_RATE_LIMIT=(1, 60))
def test_the_too_many_attempts_page_stays_neutral(member_client):
    member_client.post(reverse("search"), {"q": "meeting"})
    response = member_client.post(reverse("search"), {"q": "meeting"})
    assert response.status_code == 429
    assert _titles_and_icons(response.content.decode())[0] == ["Notes"]


def test_no_download_names_the_service(member, member_client):
    """Every file a member can take away: the journal as JSON, as PDF, in a zip with its
    evidence, and the whole data export; their names, Content-Disposition and contents."""
    unlock_journal(member_client)
    downloads = [
        member_client.post(reverse("journal_export"), data)
        for data in (
            {"format": "json"},
            {"format": "pdf"},
            {"format": "pdf", "include_evidence": "on"},
        )
    ]
    downloads.append(member_client.post(reverse("data_export"), {"password": PASSWORD}))
    for response in downloads:
        assert response.status_code == 200
        assert "kindred" not in response["Content-Disposition"].lower()
        content = response.content
        if response["Content-Type"] == "application/zip":
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                assert not [name for name in archive.namelist() if "kindred" in name.lower()]
                content = b"".join(archive.read(name) for name in archive.namelist())
        assert b"kindred" not in content.lower()


def test_the_notice_is_dismissed_only_by_a_post_of_its_own_member(member_client, member):
    url = reverse("safer_device_notice_dismiss")
    assert member_client.get(url).status_code == 405
    other = make_member()
    other_client = Client()
    other_client.force_login(other)
    other_client.post(url)
    member.profile.refresh_from_db()
    assert member.profile.safer_device_notice_dismissed_at is None
    other.profile.refresh_from_db()
    assert other.profile.safer_device_notice_dismissed_at is not None
