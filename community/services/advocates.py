"""Becoming an advocate: applying, staff review, suspension, and pausing availability."""

from collections.abc import Callable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.events import notify_member
from community.models import AdvocateProfile, PendingSpecialty, Specialty, User
from community.permissions import has_mfa
from community.selectors.resources import has_completed_advocate_training


class AdvocateError(Exception):
    """A domain rule stopped the change; the message is safe to show to the person."""


def encode_languages(codes: list[str]) -> str:
    return "," + ",".join(sorted(set(codes))) + "," if codes else ""


def apply_as_advocate(
    *,
    user: User,
    specialties: list[Specialty],
    credentials: str,
    languages: list[str],
    time_zone: str,
    public_bio: str,
    capacity: int,
) -> AdvocateProfile:
    """Creates the application, or updates it. A declined applicant who edits applies again;
    a verified or suspended advocate keeps their status while editing their entry, and a
    specialty they add waits for staff approval (`set_advocate_specialties`)."""
    with transaction.atomic():
        advocate, created = AdvocateProfile.objects.select_for_update().get_or_create(
            user=user,
            defaults={
                "credentials": credentials,
                "languages": encode_languages(languages),
                "time_zone": time_zone,
                "public_bio": public_bio,
                "capacity": capacity,
            },
        )
        if not created:
            advocate.credentials = credentials
            advocate.languages = encode_languages(languages)
            advocate.time_zone = time_zone
            advocate.public_bio = public_bio
            advocate.capacity = capacity
            fields = ["credentials", "languages", "time_zone", "public_bio", "capacity"]
            if advocate.status == AdvocateProfile.Status.DECLINED:
                advocate.status = AdvocateProfile.Status.APPLIED
                advocate.applied_at = timezone.now()
                fields += ["status", "applied_at"]
            advocate.save(update_fields=fields)
        set_advocate_specialties(advocate=advocate, specialties=specialties)
    return advocate


# Statuses whose specialties staff already approved: one more must be approved on its own.
APPROVED_STATUSES = (AdvocateProfile.Status.VERIFIED, AdvocateProfile.Status.SUSPENDED)


def set_advocate_specialties(*, advocate: AdvocateProfile, specialties: list[Specialty]) -> None:
    """An applicant's choice is reviewed with the application, so it is taken as it is. A
    verified (or suspended) advocate drops a specialty at once, but one they add is only asked
    for: it waits as a PendingSpecialty, unlisted and without access to its pool, until staff
    approve it (`approve_specialty`). Call inside the caller's transaction."""
    chosen = {specialty.pk for specialty in specialties}
    if advocate.status not in APPROVED_STATUSES:
        advocate.specialties.set(specialties)
        advocate.pending_specialties.all().delete()
        return
    approved = set(advocate.specialties.values_list("pk", flat=True))
    advocate.specialties.remove(*(approved - chosen))
    advocate.pending_specialties.exclude(specialty_id__in=chosen).delete()
    waiting = set(advocate.pending_specialties.values_list("specialty_id", flat=True))
    PendingSpecialty.objects.bulk_create(
        [
            PendingSpecialty(advocate=advocate, specialty_id=specialty_id)
            for specialty_id in sorted(chosen - approved - waiting)
        ]
    )


def approve_specialty(*, pending: PendingSpecialty, reviewer: User) -> None:
    """Staff approve a specialty a verified advocate asked for: from now on they are listed
    under it and see its pool. Approving twice changes nothing."""
    with transaction.atomic():
        locked = PendingSpecialty.objects.select_for_update().filter(pk=pending.pk).first()
        if locked is None:
            return
        advocate = locked.advocate
        advocate.specialties.add(locked.specialty_id)
        locked.delete()
        notify_member(
            recipient_id=advocate.user_id,
            kind="advocate.specialty",
            text=lambda: _("Staff approved a specialty you added: you are listed under it now."),
            url=reverse("advocate_workload"),
        )


def decline_specialty(*, pending: PendingSpecialty, reviewer: User) -> None:
    """Staff turn down a specialty a verified advocate asked for; the advocate is told."""
    with transaction.atomic():
        locked = PendingSpecialty.objects.select_for_update().filter(pk=pending.pk).first()
        if locked is None:
            return
        advocate_user_id = locked.advocate.user_id
        locked.delete()
        notify_member(
            recipient_id=advocate_user_id,
            kind="advocate.specialty",
            text=lambda: _(
                "Staff did not approve a specialty you added. Ask them if you need to know why."
            ),
            url=reverse("advocate_apply"),
        )


def verification_refusal(advocate: AdvocateProfile) -> str:
    """Why staff cannot verify this applicant yet, or "" when they can."""
    if not has_completed_advocate_training(user_id=advocate.user_id):
        return _("The applicant has not completed the advocate training yet.")
    if not has_mfa(advocate.user):
        return _("The applicant has not turned on two-factor authentication yet.")
    return ""


def verify_advocate(*, advocate: AdvocateProfile, reviewer: User) -> AdvocateProfile:
    """Staff verification. Refused until the applicant has finished the required training
    and protects their account with a second factor."""
    if advocate.status == AdvocateProfile.Status.VERIFIED:
        return advocate
    if refusal := verification_refusal(advocate):
        raise AdvocateError(refusal)
    with transaction.atomic():
        advocate.status = AdvocateProfile.Status.VERIFIED
        advocate.decision_reason = ""
        advocate.reviewed_at = timezone.now()
        advocate.reviewed_by = reviewer
        advocate.save(update_fields=["status", "decision_reason", "reviewed_at", "reviewed_by"])
        notify_member(
            recipient_id=advocate.user_id,
            kind="advocate.verified",
            text=lambda: _("Your advocate application was approved. Welcome."),
            url=reverse("advocate_workload"),
        )
    return advocate


def _close_with_reason(
    *, advocate: AdvocateProfile, reviewer: User, reason: str, status: str, text: Callable[[], str]
) -> AdvocateProfile:
    reason = reason.strip()
    if not reason:
        raise AdvocateError(_("Give the applicant a reason."))
    if advocate.status == status:
        return advocate
    with transaction.atomic():
        advocate.status = status
        advocate.decision_reason = reason
        advocate.reviewed_at = timezone.now()
        advocate.reviewed_by = reviewer
        advocate.save(update_fields=["status", "decision_reason", "reviewed_at", "reviewed_by"])
        notify_member(
            recipient_id=advocate.user_id,
            kind="advocate.status",
            text=text,
            url=reverse("advocate_apply"),
        )
    return advocate


def decline_advocate(*, advocate: AdvocateProfile, reviewer: User, reason: str) -> AdvocateProfile:
    return _close_with_reason(
        advocate=advocate,
        reviewer=reviewer,
        reason=reason,
        status=AdvocateProfile.Status.DECLINED,
        text=lambda: _(
            "Your advocate application was not approved. The reason is on your application."
        ),
    )


def suspend_advocate(*, advocate: AdvocateProfile, reviewer: User, reason: str) -> AdvocateProfile:
    return _close_with_reason(
        advocate=advocate,
        reviewer=reviewer,
        reason=reason,
        status=AdvocateProfile.Status.SUSPENDED,
        text=lambda: _("Your advocate role is suspended. The reason is on your application."),
    )


def set_advocate_availability(*, advocate: AdvocateProfile, accepting: bool) -> AdvocateProfile:
    """Pausing keeps the advocate in the directory, marked as not taking requests."""
    if advocate.accepting_requests != accepting:
        advocate.accepting_requests = accepting
        advocate.save(update_fields=["accepting_requests"])
    return advocate
