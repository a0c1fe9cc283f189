from django.urls import path

from community.views import search

urlpatterns = [path("search/", search.search, name="search")]
