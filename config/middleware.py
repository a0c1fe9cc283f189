from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from community.services.language import MEMBER_LANGUAGE_SESSION_KEY, available_language_codes


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


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware (the language cookie, else the browser's Accept-Language), but a
    signed-in member's own choice (Profile.language) comes first, from any device.

    The choice is copied into the session at sign-in and at each switch
    (community.services.language), so no request reads the profile for it: the session is
    loaded on every page anyway (the shell asks whether someone is signed in).
    """

    def process_request(self, request):
        super().process_request(request)
        session = getattr(request, "session", None)
        language = session.get(MEMBER_LANGUAGE_SESSION_KEY) if session is not None else None
        if language and language in available_language_codes():
            translation.activate(language)
            request.LANGUAGE_CODE = language
