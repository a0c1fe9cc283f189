"""Which language the site speaks to a member (issue 13; docs/decisions/0073-language-switch-
and-spanish.md).

A member's choice lives on `Profile.language` (empty: their browser's) and, for the length of a
signed-in session, under `MEMBER_LANGUAGE_SESSION_KEY`, so `config.middleware.LocaleMiddleware`
can speak it on every request without reading the profile again.
"""

from django.conf import settings

from community.models import Profile

MEMBER_LANGUAGE_SESSION_KEY = "kindred_language"


def available_language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def set_member_language(*, profile: Profile, language: str) -> None:
    """Saves the member's language; `language` is a code from LANGUAGES, or "" for the
    browser's."""
    if language and language not in available_language_codes():
        raise ValueError(f"Unknown language code {language!r}")
    if profile.language != language:
        profile.language = language
        profile.save(update_fields=["language"])


def account_language(user) -> str:
    """The language a member chose ("", their browser's, when they chose none): account
    emails to them are written in it, whoever's request sent them."""
    profile = getattr(user, "profile", None) if user is not None else None
    language = profile.language if profile is not None else ""
    return language if language in available_language_codes() else ""


def remember_member_language(*, session, language: str) -> None:
    """Keeps the member's language in their session (the middleware reads it there)."""
    if language in available_language_codes():
        session[MEMBER_LANGUAGE_SESSION_KEY] = language
    else:
        session.pop(MEMBER_LANGUAGE_SESSION_KEY, None)
