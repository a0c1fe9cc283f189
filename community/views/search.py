"""Search across everything the member may read (community/search.py)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from community.forms.search import SearchForm
from community.search import search_page


def _over_search_limit(user_id: int) -> bool:
    """Searches per member per window (KINDRED_SEARCH_RATE_LIMIT), counted in the cache that
    every process shares."""
    limit, seconds = settings.KINDRED_SEARCH_RATE_LIMIT
    key = f"search-rate:{user_id}"
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds)
        return False


@never_cache
@login_required
def search(request):
    results = None
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            if _over_search_limit(request.user.pk):
                return render(request, "429.html", status=429)
            results = search_page(
                viewer=request.user,
                query=form.cleaned_data["q"],
                page_number=form.cleaned_data["page"] or 1,
            )
    else:
        form = SearchForm()
    return render(request, "community/search.html", {"form": form, "results": results})
