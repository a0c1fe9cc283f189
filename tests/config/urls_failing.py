"""The site's URLs plus one view that fails, to reach the real server-error page through the
test client (tests/community/test_discreet_footprint.py)."""

from django.urls import path

from config.urls import handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns


def failing_view(request):
    raise RuntimeError("a failure for the 500 page")


urlpatterns = [path("test-failure/", failing_view), *site_urlpatterns]
