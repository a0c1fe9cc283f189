from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.reauthentication import reauthenticate_by_password
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django import forms
from django.utils.translation import ngettext

from community.encryption import decrypt_text, encrypt_text, rotate_token
from community.services.sign_ins import SignInPaused, check_sign_in_allowed


class AccountAdapter(DefaultAccountAdapter):
    # Subjects carry no site name because ACCOUNT_EMAIL_SUBJECT_PREFIX is "", and the sender is
    # DEFAULT_FROM_EMAIL: allauth's own behaviour, checked by tests/community/test_privacy_email.py.

    def send_mail(self, template_prefix, email, context):
        # allauth's notifications add the IP address and browser after any hook that could
        # drop them, so they are removed here, the last step before rendering: Kindred never
        # mails those (DESIGN.md invariant 4).
        context = {key: value for key, value in context.items() if key not in {"ip", "user_agent"}}
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
        # Every sign-in here follows the password typed in this session moments ago: at the
        # sign-in form (then two-factor, if on), or at sign-up when confirming the address signs
        # in. allauth counts only its own re-authentication page as recent, so turning on TOTP
        # straight after signing in asked for the password again (issue 13 defect 5). The sign-in
        # counts now, and expires after ACCOUNT_REAUTHENTICATION_TIMEOUT like any other. A
        # sign-in without the password (a code, a reset link, were they turned on) never counts.
        typed_password = kwargs.get("signup") or any(
            record.get("method") == "password"
            for record in get_authentication_records(request, user)
        )
        if typed_password:
            reauthenticate_by_password(request)
        return super().post_login(request, user, **kwargs)


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
