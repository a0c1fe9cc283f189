"""Demo advocates for `make run`: one verified advocate per specialty, trained, with the
published demo TOTP secret. Idempotent."""

from django.utils import timezone

from community.demo.accounts import DEMO_TOTP_SECRET, DemoLogin, ensure_demo_member
from community.demo.library import ensure_specialties, seed_library
from community.models import AdvocateProfile, TrainingCompletion, TrainingModule
from community.services.advocates import encode_languages

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
