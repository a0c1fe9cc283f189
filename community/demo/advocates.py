"""Demo advocates for `make run`: one verified advocate per specialty, trained, with the
published demo TOTP secret; and one accepted support request. Idempotent."""

from django.utils import timezone

from community.demo.accounts import DEMO_TOTP_SECRET, DemoLogin, ensure_demo_member
from community.demo.library import ensure_specialties, seed_library
from community.models import (
    AdvocateProfile,
    SupportRequest,
    TrainingCompletion,
    TrainingModule,
    User,
)
from community.services.advocates import encode_languages
from community.services.support_requests import accept_support_request, create_support_request

DEMO_ADVOCATES = [
    (
        "advocate.counselling@example.com",
        "GentleLantern21",
        "counselling",
        ["en", "es"],
        "Europe/Madrid",
        "Counsellor with ten years of experience supporting people after "
        "workplace bullying and harassment. I listen first.",
    ),
    (
        "advocate.legal@example.com",
        "FairCompass43",
        "legal",
        ["en", "fr"],
        "Europe/Paris",
        "Employment lawyer. I can explain your options, time limits and what evidence helps. "
        "General information, not formal legal advice.",
    ),
    (
        "advocate.career@example.com",
        "OpenHorizon65",
        "career",
        ["en", "de"],
        "Europe/Berlin",
        "Tech recruiter turned career coach. Staying, switching teams, leaving well, and "
        "references.",
    ),
]


def seed_advocates() -> list[DemoLogin]:
    seed_library()
    specialties = ensure_specialties()
    essentials = TrainingModule.objects.get(slug="advocate-essentials")
    logins = []
    for email, pseudonym, specialty, languages, time_zone, bio in DEMO_ADVOCATES:
        user = ensure_demo_member(email=email, pseudonym=pseudonym, with_totp=True)
        TrainingCompletion.objects.get_or_create(user=user, module=essentials)
        advocate, created = AdvocateProfile.objects.get_or_create(
            user=user,
            defaults={
                "credentials": bio,
                "languages": encode_languages(languages),
                "time_zone": time_zone,
                "public_bio": bio,
                "capacity": 5,
                "status": AdvocateProfile.Status.VERIFIED,
                "reviewed_at": timezone.now(),
            },
        )
        if created:
            advocate.specialties.set([specialties[specialty]])
        logins.append(
            DemoLogin(f"{specialty} advocate", email, user.profile.pseudonym, DEMO_TOTP_SECRET)
        )
    return logins


DEMO_SUPPORT_SUMMARY = (
    "My manager keeps commenting on how I dress in front of the team. I would like to talk "
    "it through and decide whether to report it."
)


def seed_support_thread() -> list[DemoLogin]:
    """River's request to the demo counsellor, accepted: a support thread to read and write
    in, and to hold a private call from (docs/protocol.md, "Calls")."""
    river = User.objects.get(email="river@example.com")
    counsellor = User.objects.get(email=DEMO_ADVOCATES[0][0])
    if SupportRequest.objects.filter(member=river, advocate=counsellor).exists():
        return []
    support_request = create_support_request(
        member=river,
        specialty=ensure_specialties()["counselling"],
        summary=DEMO_SUPPORT_SUMMARY,
        language="en",
        urgency=SupportRequest.Urgency.NORMAL,
        advocate_user_id=counsellor.pk,
        confirmed=True,
    )
    accept_support_request(support_request=support_request, advocate_user=counsellor)
    return []
