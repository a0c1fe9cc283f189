import pytest
from django.test import override_settings

from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_the_design_page_is_not_served_outside_debug(client):
    assert client.get("/design/").status_code == 404


@override_settings(DEBUG=True)
def test_the_design_page_shows_every_component_in_debug(client):
    client.force_login(make_member())
    html = client.get("/design/").content.decode()
    for part in (
        "Type scale", "Spacing scale", "Colours", 'class="secondary"', 'class="quiet"',
        'class="danger"', 'type="radio"', 'type="checkbox"', 'aria-invalid="true"',
        'class="card"', "badge-verified", 'class="empty"', "message-error",
    ):  # fmt: skip
        assert part in html, part
