"""Signal handlers: only for true decoupling from allauth and django.contrib.auth."""

from allauth.account.signals import password_reset
from allauth.mfa.signals import authentication_failed as two_factor_failed
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.dates import absolute_text
from community.devices import coarse_device
from community.models import Profile
from community.services.language import remember_member_language
from community.services.sign_ins import (
    lift_sign_in_pause,
    record_failed_sign_in,
    record_sign_in,
)
from community.time_zones import remember_profile_zone

# allauth's session rows require an address; Kindred records none (decision 0008).
UNRECORDED_ADDRESS = "::"  # the unspecified address


@receiver(user_logged_out)
def mark_response_to_clear_site_data(sender, request, user, **kwargs):
    # config.middleware.PrivacyHeadersMiddleware turns this into a Clear-Site-Data header.
    if request is not None:
        request.clear_site_data = True


@receiver(pre_save, sender=UserSession, dispatch_uid="community_coarse_user_sessions")
def keep_only_a_coarse_device_on_user_sessions(sender, instance, raw, **kwargs):
    """allauth's session rows would keep the IP address and the full user agent; before the row
    is written they become "not recorded" and a coarse label ("Firefox on Windows")."""
    instance.ip = UNRECORDED_ADDRESS
    if not raw:
        instance.user_agent = coarse_device(instance.user_agent)


def _user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "") if request is not None else ""


@receiver(user_logged_in, dispatch_uid="community_speak_member_language")
def speak_member_language(sender, request, user, **kwargs):
    # Connected before the sign-in record below, so its notice is already in their language.
    if request is None or not hasattr(request, "session"):
        return
    try:
        language = user.profile.language
    except ObjectDoesNotExist:  # an account made with createsuperuser has no profile
        language = ""
    remember_member_language(session=request.session, language=language)
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


@receiver(user_logged_in, dispatch_uid="community_remember_time_zone")
def remember_time_zone_in_the_session(sender, request, user, **kwargs):
    """The member's time zone setting, kept in the session so no page looks it up
    (community.time_zones)."""
    if request is None or not hasattr(request, "session"):
        return
    zone = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    remember_profile_zone(request.session, zone or "")


@receiver(user_logged_in, dispatch_uid="community_record_sign_in")
def record_successful_sign_in(sender, request, user, **kwargs):
    failed = record_sign_in(user=user, user_agent=_user_agent(request))
    if request is None or not failed.count:
        return
    if failed.since is None:
        text = ngettext(
            "There was %(count)d failed sign-in attempt before this one.",
            "There were %(count)d failed sign-in attempts before this one.",
            failed.count,
        ) % {"count": failed.count}
    else:
        text = ngettext(
            "There was %(count)d failed sign-in attempt since %(since)s.",
            "There were %(count)d failed sign-in attempts since %(since)s.",
            failed.count,
        ) % {
            "count": failed.count,
            "since": absolute_text(failed.since),
        }
    messages.warning(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            text,
            reverse("sign_in_activity"),
            _("Review your sign-in activity"),
        ),
        fail_silently=True,
    )


@receiver(user_login_failed, dispatch_uid="community_record_failed_sign_in")
def record_failed_sign_in_attempt(sender, credentials, request=None, **kwargs):
    # Django cleanses the password out of `credentials`; the address typed stays.
    address = credentials.get("email") or credentials.get("username") or ""
    if address:
        record_failed_sign_in(address=address, user_agent=_user_agent(request))


@receiver(two_factor_failed, dispatch_uid="community_record_failed_two_factor")
def record_failed_two_factor_code(sender, request, user, reauthentication=False, **kwargs):
    # The right password, then a wrong code: exactly what the member most needs to see, and
    # counted towards the pause like a wrong password. (A wrong code when unlocking the
    # journal is the member themselves, already signed in: allauth's own limit covers it.)
    if not reauthentication:
        record_failed_sign_in(address=user.email, user_agent=_user_agent(request))


@receiver(password_reset, dispatch_uid="community_lift_sign_in_pause")
def lift_pause_after_password_reset(sender, request, user, **kwargs):
    lift_sign_in_pause(user=user)
