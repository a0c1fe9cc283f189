"""The life of a support request: sent → accepted → resolved, withdrawn, handed over,
escalated; and the member's private feedback afterwards."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import events
from community.before_you_send import hold_back_if_identifying
from community.events import notify_member
from community.models import (
    AdvocateProfile,
    Specialty,
    SupportFeedback,
    SupportRequest,
    SupportRequestEvent,
    User,
)
from community.permissions import can_hand_over_support_request
from community.selectors.advocates import (
    LOAD_STATUSES,
    can_take_requests,
    get_verified_advocate_by_user_id,
    offers_specialty,
)


class SupportRequestError(Exception):
    """A domain rule stopped the change; the message is safe to show to the person."""


def shows_crisis_resources(support_request: SupportRequest) -> bool:
    """Crisis lines come first on the member's request page whenever the request mentions
    self-harm (ticked, or noticed in the summary), whatever its urgency."""
    return support_request.mentions_self_harm


def _new_alias() -> str:
    # Random, not derived from the member: nothing in it links two requests.
    return _("Requester %(code)s") % {"code": secrets.token_hex(3).upper()}


def _record(support_request: SupportRequest, kind: str, at=None) -> None:
    SupportRequestEvent.objects.create(
        request=support_request, kind=kind, created_at=at or timezone.now()
    )


def _request_url(support_request: SupportRequest) -> str:
    return reverse("support_request_detail", args=[support_request.pk])


def _notify_pool(support_request: SupportRequest) -> None:
    advocate_ids = (
        AdvocateProfile.objects.filter(
            status=AdvocateProfile.Status.VERIFIED,
            user__is_active=True,
            accepting_requests=True,
            specialties=support_request.specialty_id,
        )
        .exclude(user_id=support_request.member_id)
        .values_list("user_id", flat=True)
    )
    for advocate_id in advocate_ids:
        notify_member(
            recipient_id=advocate_id,
            kind="support.pool",
            text=lambda: _("A request is waiting in the pool for your specialty."),
            url=_request_url(support_request),
        )


@transaction.atomic
def create_support_request(
    *,
    member: User,
    specialty: Specialty,
    summary: str,
    language: str,
    urgency: str,
    advocate_user_id: int | None = None,
    use_alias: bool = False,
    self_harm: bool = False,
    confirmed: bool = False,
) -> SupportRequest:
    """Nothing is stored when the summary would identify the member and they have not
    confirmed it (community.before_you_send raises HeldBack). A request that mentions
    self-harm, ticked or noticed in the summary, is marked for the advocate."""
    if advocate_user_id is not None:
        if advocate_user_id == member.pk:
            raise SupportRequestError(_("You cannot send a request to yourself."))
        advocate = get_verified_advocate_by_user_id(user_id=advocate_user_id)
        if advocate is None or not can_take_requests(advocate):
            raise SupportRequestError(
                _(
                    "This advocate is not taking requests right now. "
                    "Choose another, or ask the pool."
                )
            )
        if not offers_specialty(advocate, specialty.pk):
            raise SupportRequestError(_("This advocate does not offer that kind of help."))
    findings = hold_back_if_identifying(text=summary, user=member, confirmed=confirmed)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                support_request = SupportRequest.objects.create(
                    member=member,
                    advocate_id=advocate_user_id,
                    specialty=specialty,
                    summary=summary,
                    language=language,
                    urgency=urgency,
                    alias=_new_alias() if use_alias else "",
                    mentions_self_harm=self_harm or findings.self_harm,
                )
            break
        except IntegrityError:  # the random alias collided; draw another
            continue
    else:
        raise SupportRequestError(_("Something went wrong. Please try again."))
    _record(support_request, SupportRequestEvent.Kind.CREATED, support_request.created_at)
    if advocate_user_id is not None:
        notify_member(
            recipient_id=advocate_user_id,
            kind="support.new",
            text=lambda: _("You have a new support request."),
            url=_request_url(support_request),
        )
    else:
        _notify_pool(support_request)
    return support_request


def _lock(support_request: SupportRequest) -> SupportRequest:
    return SupportRequest.objects.select_for_update().get(pk=support_request.pk)


def accept_support_request(
    *, support_request: SupportRequest, advocate_user: User
) -> SupportRequest:
    """An advocate takes a request addressed to them, or one from their specialty's pool;
    the private thread between the two opens."""
    with transaction.atomic():
        locked = _lock(support_request)
        if locked.status != SupportRequest.Status.OPEN:
            raise SupportRequestError(_("This request is no longer waiting for an advocate."))
        if locked.member_id == advocate_user.pk:
            raise SupportRequestError(_("You cannot accept your own request."))
        if locked.advocate_id not in (None, advocate_user.pk):
            raise SupportRequestError(_("This request is addressed to another advocate."))
        # Lock the advocate's row first, so two requests accepted at the same moment cannot
        # both see a free slot and take the advocate past their capacity.
        list(
            AdvocateProfile.objects.select_for_update()
            .filter(user_id=advocate_user.pk)
            .values_list("pk", flat=True)
        )
        advocate = get_verified_advocate_by_user_id(user_id=advocate_user.pk)
        if advocate is None or not offers_specialty(advocate, locked.specialty_id):
            raise SupportRequestError(_("Only verified advocates of this specialty can accept it."))
        # A request already addressed to this advocate holds one of their slots.
        held = 1 if locked.advocate_id == advocate_user.pk else 0
        if advocate.open_load - held >= advocate.capacity:
            raise SupportRequestError(
                _("You are at capacity. Resolve or hand over a request first.")
            )
        now = timezone.now()
        locked.advocate = advocate_user
        locked.accepted_by = advocate_user
        locked.status = SupportRequest.Status.ACCEPTED
        locked.accepted_at = now
        locked.save(update_fields=["advocate", "accepted_by", "status", "accepted_at"])
        # Its private thread opens (messaging subscribes).
        events.publish(events.SupportRequestAccepted(support_request=locked))
        _record(locked, SupportRequestEvent.Kind.ACCEPTED, now)
        notify_member(
            recipient_id=locked.member_id,
            kind="support.accepted",
            text=lambda: _("An advocate accepted your request. You can talk now."),
            url=_request_url(locked),
        )
    return locked


def hand_over_support_request(
    *, support_request: SupportRequest, advocate_user: User, to_advocate_user_id: int
) -> SupportRequest:
    with transaction.atomic():
        locked = _lock(support_request)
        if not can_hand_over_support_request(user=advocate_user, support_request=locked):
            raise SupportRequestError(
                _("Only the advocate of an accepted request can hand it over.")
            )
        if to_advocate_user_id in (advocate_user.pk, locked.member_id):
            raise SupportRequestError(_("Choose another advocate."))
        target = get_verified_advocate_by_user_id(user_id=to_advocate_user_id)
        if target is None or not can_take_requests(target):
            raise SupportRequestError(_("That advocate is not taking requests right now."))
        if not offers_specialty(target, locked.specialty_id):
            raise SupportRequestError(_("That advocate does not offer this kind of help."))
        locked.advocate_id = to_advocate_user_id
        locked.save(update_fields=["advocate"])
        events.publish(
            events.SupportRequestHandedOver(
                support_request=locked, advocate_user_id=to_advocate_user_id
            )
        )
        _record(locked, SupportRequestEvent.Kind.HANDED_OVER)
        notify_member(
            recipient_id=to_advocate_user_id,
            kind="support.handover",
            text=lambda: _("A support request was handed over to you."),
            url=_request_url(locked),
        )
        notify_member(
            recipient_id=locked.member_id,
            kind="support.handover",
            text=lambda: _("Your request was handed over to another advocate."),
            url=_request_url(locked),
        )
    return locked


def resolve_support_request(*, support_request: SupportRequest, actor: User) -> SupportRequest:
    with transaction.atomic():
        locked = _lock(support_request)
        if actor.pk not in (locked.member_id, locked.advocate_id):
            raise SupportRequestError(_("Only the member or their advocate can resolve this."))
        if locked.status == SupportRequest.Status.RESOLVED:
            return locked
        if locked.status != SupportRequest.Status.ACCEPTED:
            raise SupportRequestError(_("Only an accepted request can be resolved."))
        locked.status = SupportRequest.Status.RESOLVED
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["status", "resolved_at"])
        _record(locked, SupportRequestEvent.Kind.RESOLVED, locked.resolved_at)
        other_id = locked.advocate_id if actor.pk == locked.member_id else locked.member_id
        notify_member(
            recipient_id=other_id,
            kind="support.resolved",
            text=lambda: _("A support request was marked resolved."),
            url=_request_url(locked),
        )
    return locked


def withdraw_support_request(*, support_request: SupportRequest, member: User) -> SupportRequest:
    with transaction.atomic():
        locked = _lock(support_request)
        if locked.member_id != member.pk:
            raise SupportRequestError(_("Only the member who asked can withdraw a request."))
        if locked.status == SupportRequest.Status.WITHDRAWN:
            return locked
        if locked.status not in LOAD_STATUSES:
            raise SupportRequestError(_("A resolved request cannot be withdrawn."))
        locked.status = SupportRequest.Status.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["status", "withdrawn_at"])
        _record(locked, SupportRequestEvent.Kind.WITHDRAWN, locked.withdrawn_at)
        if locked.advocate_id:
            notify_member(
                recipient_id=locked.advocate_id,
                kind="support.withdrawn",
                text=lambda: _("A support request was withdrawn."),
                url=_request_url(locked),
            )
    return locked


def is_at_least_a_sentence(text: str) -> bool:
    return len(text.strip()) >= 15 and len(text.split()) >= 3


def leave_support_feedback(
    *, support_request: SupportRequest, member: User, rating: int, comment: str
) -> SupportFeedback:
    if support_request.member_id != member.pk:
        raise SupportRequestError(_("Only the member who asked can leave feedback."))
    if support_request.status != SupportRequest.Status.RESOLVED:
        raise SupportRequestError(_("Feedback opens once the request is resolved."))
    if not 1 <= rating <= 5:
        raise SupportRequestError(_("Choose a rating from 1 to 5."))
    if not is_at_least_a_sentence(comment):
        raise SupportRequestError(_("Write at least a sentence."))
    try:
        with transaction.atomic():
            # A resolved request cannot change hands, so its advocate is the one who saw it
            # through to the end: the feedback is theirs, whoever accepted it first.
            return SupportFeedback.objects.create(
                request=support_request,
                advocate_id=support_request.advocate_id,
                rating=rating,
                comment=comment.strip(),
            )
    except IntegrityError:
        raise SupportRequestError(_("You already left feedback for this request.")) from None


def _overdue(now, wait: timedelta) -> Q:
    return Q(routed_at__lte=now - wait) | Q(
        urgency=SupportRequest.Urgency.URGENT,
        routed_at__lte=now - settings.KINDRED_SUPPORT_ESCALATE_URGENT_AFTER,
    )


@dataclass(frozen=True)
class EscalationResult:
    moved_to_pool: list[int]
    flagged_for_staff: list[int]


def escalate_support_requests(*, now=None) -> EscalationResult:
    """Addressed requests unanswered for KINDRED_SUPPORT_ESCALATE_TO_POOL_AFTER (urgent ones:
    for KINDRED_SUPPORT_ESCALATE_URGENT_AFTER) open to the whole pool of their specialty; pool
    requests unanswered for KINDRED_SUPPORT_ESCALATE_TO_STAFF_AFTER more (urgent: the urgent
    wait again) are flagged for staff. The waits are settings (config/settings.py). Safe to run
    as often as you like: each step happens once per request."""
    now = now or timezone.now()
    moved, flagged = [], []
    with transaction.atomic():
        overdue_addressed = SupportRequest.objects.select_for_update().filter(
            _overdue(now, settings.KINDRED_SUPPORT_ESCALATE_TO_POOL_AFTER),
            status=SupportRequest.Status.OPEN,
            advocate__isnull=False,
        )
        for support_request in overdue_addressed:
            support_request.advocate = None
            support_request.escalated_to_pool_at = now
            support_request.routed_at = now
            support_request.save(update_fields=["advocate", "escalated_to_pool_at", "routed_at"])
            _record(support_request, SupportRequestEvent.Kind.ESCALATED_TO_POOL, now)
            _notify_pool(support_request)
            moved.append(support_request.pk)
        overdue_pool = SupportRequest.objects.select_for_update().filter(
            _overdue(now, settings.KINDRED_SUPPORT_ESCALATE_TO_STAFF_AFTER),
            status=SupportRequest.Status.OPEN,
            advocate__isnull=True,
            flagged_for_staff_at__isnull=True,
        )
        staff_ids = list(
            User.objects.filter(is_staff=True, is_active=True).values_list("pk", flat=True)
        )
        for support_request in overdue_pool:
            support_request.flagged_for_staff_at = now
            support_request.save(update_fields=["flagged_for_staff_at"])
            _record(support_request, SupportRequestEvent.Kind.FLAGGED_FOR_STAFF, now)
            for staff_id in staff_ids:
                notify_member(
                    recipient_id=staff_id,
                    kind="support.flagged",
                    text=lambda: _("A support request has waited too long. See the admin."),
                    url=reverse("admin:community_supportrequest_change", args=[support_request.pk]),
                )
            flagged.append(support_request.pk)
    return EscalationResult(moved_to_pool=moved, flagged_for_staff=flagged)
