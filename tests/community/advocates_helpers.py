"""Builders for advocates and support requests in tests: real rows through the real models."""

from community.demo.library import ensure_specialties, seed_library
from community.models import (
    AdvocateProfile,
    Specialty,
    SupportRequest,
    TrainingCompletion,
    TrainingModule,
)
from community.services.advocates import encode_languages
from tests.factories import make_member


def specialty(slug: str) -> Specialty:
    return ensure_specialties()[slug]


def make_advocate(
    *,
    specialties: tuple[str, ...] = ("counselling",),
    languages: tuple[str, ...] = ("en",),
    capacity: int = 3,
    accepting: bool = True,
    status: str = AdvocateProfile.Status.VERIFIED,
    pseudonym: str | None = None,
    bio: str = "I listen and help.",
    mfa: bool = True,
):
    user = make_member(mfa=mfa, pseudonym=pseudonym)
    advocate = AdvocateProfile.objects.create(
        user=user,
        credentials="Ten years of counselling.",
        languages=encode_languages(list(languages)),
        time_zone="Europe/Berlin",
        public_bio=bio,
        capacity=capacity,
        accepting_requests=accepting,
        status=status,
    )
    advocate.specialties.set([specialty(slug) for slug in specialties])
    return user


def accepted_request(*, member, advocate, status=SupportRequest.Status.ACCEPTED) -> SupportRequest:
    """A counselling request between `member` and `advocate` (accepted unless `status` says
    otherwise), without going through the directory."""
    return SupportRequest.objects.create(
        member=member,
        advocate=advocate,
        specialty=specialty("counselling"),
        summary="I need to talk",
        language="en",
        status=status,
    )


def complete_advocate_training(user) -> None:
    seed_library()
    TrainingCompletion.objects.get_or_create(
        user=user, module=TrainingModule.objects.get(slug="advocate-essentials")
    )
