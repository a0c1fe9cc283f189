"""Demo accounts for `make run`: three members, a site moderator and staff, all with the one
published demo password (and, for the roles that need it, the published TOTP secret)."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from community.models import IdentifyingWords, Profile, User

DEMO_PASSWORD = "kindred-demo-2026"
# A fixed, published secret: demo accounts only. Enter it in any authenticator app.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    pseudonym: str
    totp_secret: str = ""


def ensure_demo_member(
    *,
    email: str,
    pseudonym: str,
    staff: bool = False,
    site_moderator: bool = False,
    with_totp: bool = False,
) -> User:
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"is_staff": staff, "is_superuser": staff, "is_site_moderator": site_moderator},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    Profile.objects.get_or_create(user=user, defaults={"pseudonym": pseudonym})
    if (
        with_totp
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    ):
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


def seed_accounts() -> list[DemoLogin]:
    logins = []
    for email, pseudonym in [
        ("river@example.com", "QuietRiver12"),
        ("maple@example.com", "SteadyMaple34"),
        ("comet@example.com", "BrightComet56"),
    ]:
        ensure_demo_member(email=email, pseudonym=pseudonym)
        logins.append(DemoLogin("member", email, pseudonym))
    # River's private "words that identify me": writing one shows the "before you send" warning.
    IdentifyingWords.objects.get_or_create(
        user=User.objects.get(email="river@example.com"),
        defaults={"words": "Northwind Traders\nLeeds office"},
    )
    ensure_demo_member(
        email="moderator@example.com",
        pseudonym="CalmHarbor77",
        site_moderator=True,
        with_totp=True,
    )
    logins.append(
        DemoLogin("site moderator", "moderator@example.com", "CalmHarbor77", DEMO_TOTP_SECRET)
    )
    ensure_demo_member(
        email="staff@example.com", pseudonym="WiseBeacon90", staff=True, with_totp=True
    )
    logins.append(DemoLogin("staff", "staff@example.com", "WiseBeacon90", DEMO_TOTP_SECRET))
    return logins
