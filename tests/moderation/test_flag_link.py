from django.template.loader import render_to_string
from django.test import RequestFactory


def test_flag_link_include_points_at_the_flag_form_and_comes_back(db):
    request = RequestFactory().get("/groups/abc/threads/7/?page=2")
    html = render_to_string(
        "moderation/_flag_link.html", {"kind": "post", "object_id": 42}, request=request
    )
    assert 'href="/flag/post/42/?next=/groups/abc/threads/7/%3Fpage%3D2"' in html
    assert "Report" in html
