"""Community URLs, one module per feature."""

from django.urls import include, path

urlpatterns = [
    path("", include("community.urls.accounts")),
    path("", include("community.urls.journal")),
    path("", include("community.urls.data_rights")),
    path("", include("community.urls.groups")),
    path("", include("community.urls.advocates")),
    path("", include("community.urls.resources")),
    path("", include("community.urls.search")),
    path("", include("community.urls.matching")),
]
