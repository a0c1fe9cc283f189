from django.utils.cache import add_never_cache_headers


class PrivacyHeadersMiddleware:
    """Headers the privacy model needs on every response (DESIGN.md invariant 10).

    - No page Kindred renders is stored by the browser or a proxy, signed in or not (the login
      and MFA steps come before "signed in"), so Back or a shared computer's cache shows nothing
      after quick exit or logout. Static files are served by WhiteNoise above this middleware
      and stay cacheable.
    - Logging out clears cookies, storage and cache for the whole origin.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # max-age=0, no-cache, no-store, must-revalidate, private
        add_never_cache_headers(response)
        if getattr(request, "clear_site_data", False):
            response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response
