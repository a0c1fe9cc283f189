import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django import forms
from django.utils import translation
from django.utils.translation import ngettext

from community.encryption import decrypt_text, encrypt_text, rotate_token
from community.services.language import account_language
from community.services.sign_ins import SignInPaused, check_sign_in_allowed


def _account_of(email: str):
    address = (
        EmailAddress.objects.select_related("user__profile").filter(email__iexact=email).first()
    )
    return address.user if address is not None else None


class AccountAdapter(DefaultAccountAdapter):
    # Subjects carry no site name because ACCOUNT_EMAIL_SUBJECT_PREFIX is "", and the sender is
    # DEFAULT_FROM_EMAIL: allauth's own behaviour, checked by tests/community/test_privacy_email.py.

    def send_mail(self, template_prefix, email, context):
        # allauth's notifications add the IP address and browser after any hook that could
        # drop them, so they are removed here, the last step before rendering: Kindred never
        # mails those (DESIGN.md invariant 4).
        context = {key: value for key, value in context.items() if key not in {"ip", "user_agent"}}
        # In the recipient's chosen language, whoever asked (a reset asked from a browser in
        # another language still reaches a Spanish-speaking member in Spanish); without a
        # choice, the language of the request that sent it.
        language = account_language(context.get("user") or _account_of(email))
        with translation.override(language or translation.get_language()):
            return super().send_mail(template_prefix, email, context)

    def pre_authenticate(self, request, **credentials):
        # Kindred's lockout before allauth's own limits: keyed by the address typed, so an
        # address with no account is paused exactly like one with an account (invariant 5).
        try:
            check_sign_in_allowed(
                address=credentials.get("email", ""),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except SignInPaused as paused:
            raise forms.ValidationError(
                ngettext(
                    "Signing in with this address is paused after several failed attempts. "
                    "Try again in %(minutes)d minute, or reset your password.",
                    "Signing in with this address is paused after several failed attempts. "
                    "Try again in %(minutes)d minutes, or reset your password.",
                    paused.minutes,
                )
                % {"minutes": paused.minutes},
                code="sign_in_paused",
            ) from None
        super().pre_authenticate(request, **credentials)

    def post_login(self, request, user, **kwargs):
        # Confirming the address signs a newcomer in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION) with
        # no record of a password, though they typed it at sign-up in this very session (allauth
        # signs in on confirmation only then): the sign-in is recorded like a password one.
        if kwargs.get("signup") and not _password_sign_ins(request, user):
            record_authentication(request, user, method="password", signup=True)
        return super().post_login(request, user, **kwargs)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # allauth counts only its own re-authentication page as recent, so turning on TOTP
        # straight after signing in asked for the password again (issue 13 defect 5). A
        # password sign-in within ACCOUNT_REAUTHENTICATION_TIMEOUT counts here too. It stays
        # out of the records the journal's lock reads (reauthenticated=True): signing in alone
        # still never opens the journal (community/journal_lock.py, decision 0008).
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request
        if request is None or not request.user.is_authenticated:
            return True
        signed_in_at = max(
            (record["at"] for record in _password_sign_ins(request, request.user)), default=0.0
        )
        return time.time() - signed_in_at >= account_settings.REAUTHENTICATION_TIMEOUT


def _password_sign_ins(request, user) -> list[dict]:
    """This session's sign-ins with the password (not re-authentications, not codes or links)."""
    return [
        record
        for record in get_authentication_records(request, user)
        if record.get("method") == "password" and not record.get("reauthenticated")
    ]


class MFAAdapter(DefaultMFAAdapter):
    """Encrypts TOTP secrets and recovery seeds with the project's field-encryption keys."""

    def encrypt(self, text: str) -> str:
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_text(encrypted_text)

    def get_totp_label(self, user) -> str:
        # The authenticator app shows this; the pseudonym, never the email.
        return user_display(user) or "account"


def user_display(user) -> str:
    """How allauth names a user anywhere it would: the pseudonym, never the email."""
    profile = getattr(user, "profile", None)
    return profile.pseudonym if profile else ""


# Which values in an allauth Authenticator's `data` the MFA adapter encrypted.
ENCRYPTED_MFA_KEYS = ("secret", "seed")


def rotate_mfa_secrets() -> int:
    """Key-rotation hook (community.encryption.ROTATION_HOOKS): re-encrypts every TOTP secret
    and recovery-code seed under the newest key. Returns how many authenticators it rewrote."""
    rewritten = 0
    for authenticator in Authenticator.objects.filter(
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ).iterator():
        data = dict(authenticator.data)
        for key in ENCRYPTED_MFA_KEYS:
            if data.get(key):
                data[key] = rotate_token(data[key])
        if data.get("migrated_codes"):
            data["migrated_codes"] = [rotate_token(code) for code in data["migrated_codes"]]
        Authenticator.objects.filter(pk=authenticator.pk).update(data=data)
        rewritten += 1
    return rewritten
