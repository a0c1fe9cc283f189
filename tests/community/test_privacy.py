"""Privacy invariants 1, 2, 3, 5 and 10 (DESIGN.md), through the real pages.

A second member signs in and walks every page reachable from "/" plus the first member's
profile; pages that later features link from there are covered automatically.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from community.avatars import avatar_svg
from community.models import User
from tests.crawl import crawl, same_origin_path
from tests.factories import PASSWORD, make_member

FIRST_EMAIL = "first.member.private@example.org"
FIRST_IP = "198.51.100.203"
FIRST_LAST_LOGIN = datetime.datetime(2023, 7, 19, 21, 47, 33, tzinfo=datetime.UTC)
LAST_LOGIN_SHAPES = ["2023-07-19", "July 19, 2023", "Jul. 19, 2023", "19 Jul", "21:47", "9:47 p.m."]
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


def _sign_in(client, email, password=PASSWORD):
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302, "sign-in failed"


@pytest.fixture
def first_member(db):
    user = make_member(email=FIRST_EMAIL, pseudonym="FirstFern")
    user.profile.bio = "I like *quiet* rooms."
    user.profile.pronouns = "they/them"
    user.profile.save(update_fields=["bio", "pronouns"])
    # A real sign-in from a distinctive address records the IP (usersessions) and last login.
    first = Client(REMOTE_ADDR=FIRST_IP, HTTP_USER_AGENT="FirstDevice/1.0")
    _sign_in(first, FIRST_EMAIL)
    first.get(reverse("home"))
    User.objects.filter(pk=user.pk).update(last_login=FIRST_LAST_LOGIN)
    return user


@pytest.fixture
def crawled(first_member):
    make_member(email="second@example.org", pseudonym="SecondLark")
    client = Client()
    _sign_in(client, "second@example.org")
    profile_path = reverse("profile_detail", args=[first_member.profile.public_id])
    return crawl(client, ["/", profile_path])


def _html_pages(pages):
    return [page for page in pages if page.is_html and page.status in {200, 403, 404}]


# Invariant 1: only the pseudonym, never the email, IP or last login


def test_not_found_pages_keep_the_shell_and_quick_exit(member_client):
    response = member_client.get("/no-such-page-here/")
    assert response.status_code == 404
    assert 'id="quick-exit"' in response.content.decode()


def test_no_reachable_page_shows_the_first_members_email_ip_or_last_login(crawled, first_member):
    visited = {page.path for page in crawled if page.status == 200}
    profile_path = reverse("profile_detail", args=[first_member.profile.public_id])
    for path in ["/", "/privacy/", "/settings/", profile_path, reverse("account_email")]:
        assert path in visited, f"{path} not reached: {sorted(visited)}"
    profile_page = next(page for page in crawled if page.path == profile_path)
    assert "FirstFern" in profile_page.html
    assert "they/them" in profile_page.html

    for page in crawled:
        text = page.html + "\n" + "\n".join(f"{k}: {v}" for k, v in page.headers.items())
        assert FIRST_EMAIL not in text, page.path
        assert FIRST_EMAIL.split("@")[0] not in text, page.path
        assert FIRST_IP not in text, page.path
        assert "FirstDevice" not in text, page.path
        for shape in LAST_LOGIN_SHAPES:
            assert shape not in text, f"{shape!r} on {page.path}"


def test_accounts_hold_no_real_name_and_print_no_email(member):
    names = {field.name for field in User._meta.get_fields()}
    assert not names & {"first_name", "last_name", "name", "full_name", "username"}
    assert member.email not in str(member)


def test_the_crawler_would_notice_a_leak(first_member):
    # The first member's own email page shows their address: the check above is not vacuous.
    client = Client()
    _sign_in(client, FIRST_EMAIL)
    pages = crawl(client, ["/"])
    assert any(FIRST_EMAIL in page.html for page in pages)


# Invariant 2: avatars from a random per-profile seed, never from the email


def test_avatar_depends_only_on_the_seed(first_member, client):
    profile = first_member.profile
    assert avatar_svg(profile.avatar_seed, 40) == avatar_svg(profile.avatar_seed, 40)
    path = reverse("profile_detail", args=[profile.public_id])
    viewer = make_member()
    client.force_login(viewer)
    before = re.search(r"<svg class=\"avatar\".*?</svg>", client.get(path).content.decode(), re.S)

    User.objects.filter(pk=first_member.pk).update(email="changed.address@example.net")
    after = re.search(r"<svg class=\"avatar\".*?</svg>", client.get(path).content.decode(), re.S)

    assert before.group(0) == after.group(0)
    assert before.group(0) == str(avatar_svg(profile.avatar_seed, 64))


def test_each_profile_gets_its_own_random_seed(db):
    first, second = make_member(), make_member()
    assert first.profile.avatar_seed != second.profile.avatar_seed
    assert len(first.profile.avatar_seed) >= 32
    assert avatar_svg(first.profile.avatar_seed) != avatar_svg(second.profile.avatar_seed)


def test_no_gravatar_in_any_template():
    for template in TEMPLATES_DIR.rglob("*"):
        if template.is_file():
            assert "gravatar" not in template.read_text().lower(), template


# Invariant 3: nothing from another origin; scripts only with the nonce; no inline handlers


def _assert_loads_nothing_from_another_origin(page):
    for element, attribute, url in page.urls():
        if url.startswith(("#", "data:", "mailto:")) or same_origin_path(page.path, url):
            continue
        # Leaving the site by a link is navigation, not loading; such links must not leak
        # the page they come from (quick exit; member links get rel="noreferrer").
        is_link = element.tag == "a" and attribute == "href"
        assert is_link and "noreferrer" in element.attrs.get("rel", ""), (
            f"{page.path}: <{element.tag} {attribute}={url!r}>"
        )


def _assert_scripts_carry_the_nonce(page):
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    scripts = [element for element in page.elements if element.tag == "script"]
    assert scripts, f"{page.path}: no quick-exit script"
    for script in scripts:
        assert script.attrs.get("nonce") == nonce, f"{page.path}: {script.attrs}"


def _assert_no_inline_handlers_or_styles(page):
    for element in page.elements:
        handlers = [name for name in element.attrs if name.startswith("on")]
        assert not handlers, f"{page.path}: <{element.tag} {handlers}>"
        assert "style" not in element.attrs, f"{page.path}: inline style on <{element.tag}>"


def test_reachable_pages_load_only_from_this_site_and_run_only_nonced_scripts(crawled):
    pages = _html_pages(crawled)
    assert len(pages) >= 8
    for page in pages:
        assert "gravatar" not in page.html.lower(), page.path
        _assert_loads_nothing_from_another_origin(page)
        _assert_scripts_carry_the_nonce(page)
        _assert_no_inline_handlers_or_styles(page)


def test_no_template_has_inline_event_handlers():
    handler = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S)
    for template in TEMPLATES_DIR.rglob("*.html"):
        match = handler.search(template.read_text())
        assert match is None, f"{template}: {match.group(0)[:80]}"


# Invariant 10: no-store when signed in; logout clears site data


def test_every_signed_in_page_is_no_store(crawled):
    for page in crawled:
        if page.status < 300 or page.status >= 400:
            assert "no-store" in page.headers.get("Cache-Control", ""), page.path


def test_logout_clears_site_data(member_client):
    response = member_client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert member_client.get(reverse("settings")).status_code == 302


def test_logout_by_get_does_not_log_out(member_client):
    member_client.get(reverse("account_logout"))
    assert member_client.get(reverse("settings")).status_code == 200


# Invariant 5: the same answer for known and unknown addresses


def _main(response) -> str:
    html = response.content.decode()
    html = html[html.index("<main") : html.index("</main>")]
    # The CSRF token and the scripts' CSP nonce are fresh in every response.
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_signup_answers_the_same_for_known_and_unknown_addresses(member):
    answers = []
    for email in [member.email, "nobody.here@example.org"]:
        client = Client()
        response = client.post(
            reverse("account_signup"),
            {
                "email": email,
                "pseudonym": f"Fresh{len(answers)}Fern",
                "password1": "an0ther-long-passphrase",
                "password2": "an0ther-long-passphrase",
            },
        )
        followed = client.get(response["Location"])
        # The page repeats the address the person typed; everything else must match.
        answers.append(
            (
                response.status_code,
                response["Location"],
                followed.status_code,
                _main(followed).replace(email, "EMAIL"),
            )
        )
    assert answers[0] == answers[1]


def test_login_answers_the_same_for_known_and_unknown_addresses(member):
    answers = []
    for email in [member.email, "nobody.here@example.org"]:
        response = Client().post(
            reverse("account_login"), {"login": email, "password": "not-the-password"}
        )
        html = _main(response).replace(email, "EMAIL")
        answers.append((response.status_code, html))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(member, mailoutbox):
    answers = []
    for email in [member.email, "nobody.here@example.org"]:
        client = Client()
        response = client.post(reverse("account_reset_password"), {"email": email})
        followed = client.get(response["Location"])
        answers.append(
            (response.status_code, response["Location"], _main(followed).replace(email, "EMAIL"))
        )
    assert answers[0] == answers[1]
    # Only the known address got a mail; unknown-account mails are off.
    assert [message.to for message in mailoutbox] == [[member.email]]


# Rate limits, with the real cache


def test_settings_use_a_real_cache_for_rate_limits():
    backend = settings.CACHES["default"]["BACKEND"]
    assert "Dummy" not in backend
    assert settings.ACCOUNT_RATE_LIMITS is not False


def test_login_flood_gets_429_and_the_site_keeps_serving(member):
    flooder = Client(REMOTE_ADDR="192.0.2.66")
    statuses = [
        flooder.post(
            reverse("account_login"), {"login": f"guess{n}@example.org", "password": "x"}
        ).status_code
        for n in range(40)
    ]
    assert statuses[0] == 200
    assert 429 in statuses
    blocked = flooder.post(reverse("account_login"), {"login": member.email, "password": "x"})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    assert 'id="quick-exit"' in blocked.content.decode()
    # Someone else, elsewhere, is not affected, and the flooder can still read pages.
    other = Client(REMOTE_ADDR="192.0.2.99")
    assert (
        other.post(
            reverse("account_login"), {"login": member.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert flooder.get(reverse("privacy")).status_code == 200


def test_password_reset_flood_gets_429(member, mailoutbox):
    flooder = Client(REMOTE_ADDR="192.0.2.67")
    statuses = [
        flooder.post(reverse("account_reset_password"), {"email": f"x{n}@example.org"}).status_code
        for n in range(25)
    ]
    assert statuses[0] == 302
    assert statuses[-1] == 429
    other = Client(REMOTE_ADDR="192.0.2.98")
    assert other.get(reverse("account_reset_password")).status_code == 200
