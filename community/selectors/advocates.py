"""Reads about advocates and support requests: the directory, capacity, response times,
workloads, and who may see which request."""

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from django.db.models import Count, F, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from community.models import (
    AdvocateProfile,
    PendingSpecialty,
    Specialty,
    SupportRequest,
    SupportRequestEvent,
)
from community.sanitize import plain_excerpt

RESPONSE_TIME_WINDOW = timedelta(days=90)
# Requests that hold one of the advocate's slots: addressed to them and waiting, or accepted.
LOAD_STATUSES = [SupportRequest.Status.OPEN, SupportRequest.Status.ACCEPTED]


def is_verified_advocate(*, user_id: int) -> bool:
    """Verified and not suspended (suspension changes the status away from verified)."""
    return AdvocateProfile.objects.filter(
        user_id=user_id, status=AdvocateProfile.Status.VERIFIED, user__is_active=True
    ).exists()


def get_own_advocate_profile(*, user_id: int) -> AdvocateProfile | None:
    return AdvocateProfile.objects.filter(user_id=user_id).prefetch_related("specialties").first()


def pending_specialties_of(*, advocate: AdvocateProfile | None) -> list[Specialty]:
    """The specialties a verified advocate added that wait for staff approval."""
    if advocate is None:
        return []
    return list(
        Specialty.objects.filter(
            pk__in=PendingSpecialty.objects.filter(advocate=advocate).values("specialty_id")
        )
    )


def _with_load(queryset):
    return queryset.annotate(
        open_load=Count(
            "user__assigned_support_requests",
            filter=Q(user__assigned_support_requests__status__in=LOAD_STATUSES),
        )
    )


def verified_advocates():
    """Verified advocates with `open_load` (slots in use) and what a directory card shows."""
    return _with_load(
        AdvocateProfile.objects.filter(status=AdvocateProfile.Status.VERIFIED, user__is_active=True)
        .select_related("user__profile")
        .prefetch_related(Prefetch("specialties", queryset=Specialty.objects.order_by("name")))
    )


def search_directory(
    *,
    specialty: Specialty | None = None,
    language: str = "",
    taking_requests: bool = False,
    text: str = "",
):
    advocates = verified_advocates()
    if specialty is not None:
        advocates = advocates.filter(specialties=specialty)
    if language:
        advocates = advocates.filter(languages__contains=f",{language},")
    text = text.strip()
    if text:
        advocates = advocates.filter(
            Q(user__profile__pseudonym__icontains=text)
            | Q(public_bio__icontains=text)
            | Q(specialties__name__icontains=text)
        ).distinct()
    if taking_requests:
        advocates = advocates.filter(accepting_requests=True, open_load__lt=F("capacity"))
    return advocates.order_by("user__profile__pseudonym")


class DirectoryOrder:
    RECOMMENDED = "recommended"
    FASTEST = "fastest"


BIO_EXCERPT_LENGTH = 140


def directory_advocates(
    *,
    specialty: Specialty | None = None,
    language: str = "",
    taking_requests: bool = False,
    text: str = "",
    order: str = DirectoryOrder.RECOMMENDED,
) -> list[AdvocateProfile]:
    """The directory's cards: `search_directory`, each advocate marked `at_capacity`, with
    `median_response` (None: nothing to measure yet) and a plain-text `bio_excerpt`. Ordered
    by pseudonym, or with `DirectoryOrder.FASTEST` by typical response, fastest first and
    those without a measurement last. Three queries whatever the number of advocates."""
    advocates = list(
        search_directory(
            specialty=specialty, language=language, taking_requests=taking_requests, text=text
        )
    )
    medians = median_first_responses(advocate_user_ids=[advocate.user_id for advocate in advocates])
    for advocate in advocates:
        advocate.at_capacity = is_at_capacity(advocate)
        advocate.median_response = medians.get(advocate.user_id)
        advocate.bio_excerpt = plain_excerpt(advocate.public_bio, length=BIO_EXCERPT_LENGTH)
    if order == DirectoryOrder.FASTEST:
        # A stable sort: ties keep the pseudonym order search_directory gave.
        advocates.sort(
            key=lambda advocate: (
                advocate.median_response is None,
                advocate.median_response or timedelta(0),
            )
        )
    return advocates


def is_at_capacity(advocate: AdvocateProfile) -> bool:
    """For advocates fetched through `verified_advocates()` (annotated with `open_load`)."""
    return advocate.open_load >= advocate.capacity


def can_take_requests(advocate: AdvocateProfile) -> bool:
    return advocate.is_verified and advocate.accepting_requests and not is_at_capacity(advocate)


def offers_specialty(advocate: AdvocateProfile, specialty_id: int) -> bool:
    """Reads the specialties `verified_advocates()` prefetched: no query of its own."""
    return any(specialty.pk == specialty_id for specialty in advocate.specialties.all())


def handover_candidates(*, support_request: SupportRequest) -> list[AdvocateProfile]:
    """Who the request's advocate may hand it over to: verified advocates of its specialty who
    can take a request now, never the advocate themselves or the member."""
    return [
        advocate
        for advocate in verified_advocates()
        .filter(specialties=support_request.specialty_id)
        .exclude(user_id__in=[support_request.advocate_id, support_request.member_id])
        if can_take_requests(advocate)
    ]


def get_directory_advocate_or_404(*, public_id: str) -> AdvocateProfile:
    advocate = verified_advocates().filter(user__profile__public_id=public_id).first()
    if advocate is None:
        raise Http404
    return advocate


def get_verified_advocate_by_user_id(*, user_id: int) -> AdvocateProfile | None:
    return verified_advocates().filter(user_id=user_id).first()


def median_first_responses(*, advocate_user_ids, now=None) -> dict[int, timedelta]:
    """advocate user id → their median time from a request reaching them (addressed to them,
    or its last move into the pool) to their accepting it, over requests accepted in the last
    90 days; advocates with nothing to measure are absent. One query whatever their number:
    the directory's cards and an advocate's own page both read it here."""
    now = now or timezone.now()
    durations: dict[int, list[timedelta]] = {}
    for user_id, routed, accepted in SupportRequest.objects.filter(
        accepted_by_id__in=list(advocate_user_ids),
        accepted_at__gte=now - RESPONSE_TIME_WINDOW,
        accepted_at__lte=now,
    ).values_list("accepted_by_id", "routed_at", "accepted_at"):
        durations.setdefault(user_id, []).append(accepted - routed)
    return {user_id: median(values) for user_id, values in durations.items()}


def median_first_response(*, advocate_user_id: int, now=None) -> timedelta | None:
    """`median_first_responses` for one advocate; None when there is nothing to measure."""
    return median_first_responses(advocate_user_ids=[advocate_user_id], now=now).get(
        advocate_user_id
    )


# --- support requests -------------------------------------------------------------------------


def _request_queryset():
    # `conversation`: the private thread messaging opened for it, linked from the page.
    return SupportRequest.objects.select_related(
        "specialty", "member__profile", "advocate__profile", "feedback", "conversation"
    ).prefetch_related(Prefetch("events", queryset=SupportRequestEvent.objects.all()))


def member_support_requests(*, member_id: int):
    return (
        SupportRequest.objects.filter(member_id=member_id)
        .select_related("specialty", "advocate__profile")
        .order_by("-created_at")
    )


def advocate_open_requests(*, advocate_user_id: int):
    """Addressed to this advocate and waiting, or accepted and not yet resolved."""
    return (
        SupportRequest.objects.filter(advocate_id=advocate_user_id, status__in=LOAD_STATUSES)
        .select_related("specialty", "member__profile")
        .order_by("status", "-mentions_self_harm", "routed_at")
    )


def pool_requests_for(*, advocate: AdvocateProfile):
    """Open pool requests in the advocate's specialties, never their own: those that mention
    self-harm first, then oldest first."""
    return (
        SupportRequest.objects.filter(
            status=SupportRequest.Status.OPEN,
            advocate__isnull=True,
            specialty__in=advocate.specialties.all(),
        )
        .exclude(member_id=advocate.user_id)
        .select_related("specialty", "member__profile")
        .order_by("-mentions_self_harm", "routed_at")
    )


@dataclass(frozen=True)
class Workload:
    """An advocate's requests: addressed to them and waiting, accepted and in progress, and
    the open pool of their specialties; each with the `display_name` advocates see."""

    waiting: list[SupportRequest]
    active: list[SupportRequest]
    pool: list[SupportRequest]

    @property
    def slots_used(self) -> int:
        return len(self.waiting) + len(self.active)


def advocate_workload(*, advocate: AdvocateProfile) -> Workload:
    own = list(advocate_open_requests(advocate_user_id=advocate.user_id))
    pool = list(pool_requests_for(advocate=advocate))
    for support_request in own + pool:
        support_request.display_name = support_display_name(support_request=support_request)
    return Workload(
        waiting=[r for r in own if r.status == SupportRequest.Status.OPEN],
        active=[r for r in own if r.status == SupportRequest.Status.ACCEPTED],
        pool=pool,
    )


def get_support_request(*, request_id: int) -> SupportRequest | None:
    """Unchecked fetch; views go through permissions.get_support_request_for_viewer_or_404."""
    return _request_queryset().filter(pk=request_id).first()


def support_display_name(*, support_request: SupportRequest) -> str:
    """How the member appears to advocates in this request and its thread: the one-off alias
    when they chose one, otherwise their pseudonym."""
    return support_request.alias or support_request.member.profile.pseudonym
