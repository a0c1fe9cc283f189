"""The language switch: the footer's and the settings page's forms post here."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate, gettext
from django.views.decorators.http import require_POST

from community.services.language import (
    available_language_codes,
    remember_member_language,
    set_member_language,
)


def _safe_next(request) -> str:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return "/"


@require_POST
def set_language(request):
    """Django's set_language, plus: a signed-in member's choice is saved on their profile and
    comes back at every sign-in; "" (members only) means "my browser's language"."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request))
    signed_in = request.user.is_authenticated
    if language not in available_language_codes() and not (signed_in and language == ""):
        messages.error(request, gettext("That language is not available here."))
        return response
    if signed_in:
        profile = getattr(request.user, "profile", None)  # createsuperuser's accounts: none
        if profile is not None:
            set_member_language(profile=profile, language=language)
        remember_member_language(session=request.session, language=language)
    if language:
        activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
