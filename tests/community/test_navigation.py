"""The main navigation marks where the member is (aria-current) and carries the unread
badges' places."""

import re

import pytest

from tests.factories import make_member

pytestmark = pytest.mark.django_db


def _current_links(html: str) -> dict[str, str]:
    nav = html[html.index('id="site-nav"') : html.index("</nav>", html.index('id="site-nav"'))]
    return {
        text: value for value, text in re.findall(r'<a [^>]*aria-current="(\w+)"[^>]*>([^<]+)', nav)
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", {"Home": "page"}),
        ("/groups/", {"Groups": "page"}),
        ("/groups/propose/", {"Groups": "true"}),
        ("/messages/", {"Messages": "page"}),
        ("/messages/requests/", {"Messages": "true"}),
        ("/notifications/", {"Notifications": "page"}),
        ("/resources/", {"Resources": "page"}),
        ("/settings/", {"Settings": "page"}),
        ("/privacy/", {}),
    ],
)
def test_the_current_section_is_marked_once(client, path, expected):
    client.force_login(make_member())
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert _current_links(response.content.decode()) == expected


def test_the_menu_button_starts_hidden_so_the_list_shows_without_javascript(client):
    client.force_login(make_member())
    html = client.get("/").content.decode()
    button = re.search(r'<button[^>]*id="menu-button"[^>]*>', html).group(0)
    assert "hidden" in button and 'aria-expanded="false"' in button
    assert 'aria-controls="site-nav"' in button
    assert 'id="messages-count"' in html and 'id="notification-count"' in html


def test_signed_out_pages_mark_sign_in(client):
    html = client.get("/accounts/login/").content.decode()
    assert _current_links(html) == {"Sign in": "page"}
