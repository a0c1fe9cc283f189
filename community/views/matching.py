"""Matching escrow endpoints (decision 0080). The browser does the cryptography: these take
and give only blinded elements, π, sealed blobs and public keys, as JSON (CSRF-protected)."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.matching import escrow
from community.matching.identifiers import PHONE_REGIONS
from community.models import MatchingMatch
from community.permissions import (
    check_matching_counsellor,
    get_matching_entry_for_owner_or_404,
    is_matching_counsellor,
    matching_ineligibility,
    tool_view,
)
from community.selectors.matching import (
    counsellors_with_keys,
    entries_of,
    match_shares,
    matches_waiting,
    share_x,
)
from community.services import matching as matching_service


def _escrow_down() -> str:
    return _(
        "Matching is unavailable right now: the matching service cannot be reached. Nothing "
        "was sent or saved; please try again later."
    )


def _body(request) -> dict:
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _refusal(request):
    reason = matching_ineligibility(user=request.user)
    if reason is None:
        return None
    return JsonResponse(
        {"error": reason, "message": _("Your account cannot add matching entries yet.")},
        status=403,
    )


@login_required
@require_GET
def matching_entries(request):
    """The member's page: add an entry (the browser normalises, shows it back, blinds, seals),
    and list and withdraw their own entries. It never says whether anything matched. Without
    the escrow service it says so and offers no form."""
    reason = matching_ineligibility(user=request.user)
    available = reason is None and escrow.escrow_available()
    region = request.user.profile.phone_region or settings.KINDRED_PHONE_REGION
    return render(
        request,
        "community/matching/entries.html",
        {
            "reason": reason,
            "escrow_down": reason is None and not available,
            "has_counsellors": bool(counsellors_with_keys()),
            "entries": entries_of(user=request.user),
            "regions": sorted(PHONE_REGIONS),
            "region": region.upper() if region.upper() in PHONE_REGIONS else "US",
            "is_counsellor": is_matching_counsellor(user=request.user),
        },
    )


@login_required
@require_GET
def matching_status(request):
    """What the member's browser needs before adding an entry: whether it may, whether the
    escrow answers, and the counsellors' public keys to seal to."""
    if refusal := _refusal(request):
        return refusal
    if not escrow.escrow_available():
        return JsonResponse({"error": "escrow_unavailable", "message": _escrow_down()}, status=503)
    return JsonResponse(
        {
            "counsellors": [
                {"id": c.pk, "public_key": c.public_key} for c in counsellors_with_keys()
            ],
            "x": format(share_x(user=request.user), "x"),
        }
    )


@login_required
@require_POST
def matching_evaluate(request):
    if refusal := _refusal(request):
        return refusal
    try:
        evaluated = matching_service.evaluate_blinded(
            user=request.user, blinded_hex=str(_body(request).get("blinded", ""))
        )
    except escrow.EscrowRateLimited:
        message = _("You have added as many identifiers as one day allows. Try again tomorrow.")
        return JsonResponse({"error": "rate_limited", "message": message}, status=429)
    except escrow.EscrowRefused:
        return JsonResponse({"error": "element", "message": _("Please try again.")}, status=400)
    except escrow.EscrowUnavailable:
        return JsonResponse({"error": "escrow_unavailable", "message": _escrow_down()}, status=503)
    return JsonResponse({"evaluated": evaluated})


@login_required
@require_POST
def matching_entry_add(request):
    if refusal := _refusal(request):
        return refusal
    payload = _body(request)
    sealed = payload.get("sealed")
    try:
        entry = matching_service.add_entry(
            user=request.user,
            index=payload.get("index"),
            sealed=sealed if isinstance(sealed, dict) else {},
        )
    except matching_service.MatchingError as error:
        # A refusal the page shows as a form error would be (200: not a failed request).
        return JsonResponse({"error": error.code, "message": error.message}, status=200)
    # The same answer whether or not it matched: a member never learns that.
    messages.success(request, _("Your entry is saved."))
    return JsonResponse({"entry": entry.pk}, status=201)


@login_required
@require_http_methods(["GET", "POST"])
def matching_entry_withdraw(request, entry_id: int):
    """A confirmation page first; its POST deletes the entry at once."""
    entry = get_matching_entry_for_owner_or_404(user=request.user, entry_id=entry_id)
    if request.method == "GET":
        return render(
            request,
            "community/matching/withdraw_confirm.html",
            {"entry": entry, "cancel_url": reverse("matching")},
        )
    matching_service.withdraw_entry(entry=entry)
    messages.success(request, _("Your entry is withdrawn and deleted."))
    return redirect("matching")


@tool_view(check_matching_counsellor)
@require_GET
def matching_counsellor(request):
    """The counsellor's page: their key (made, wrapped and kept in their browser), and the
    matches waiting, each opened in the browser."""
    counsellor = request.user.matching_counsellor
    return render(
        request,
        "community/matching/counsellor.html",
        {"counsellor": counsellor, "matches": matches_waiting()},
    )


@tool_view(check_matching_counsellor)
@require_POST
def matching_counsellor_key(request):
    try:
        matching_service.set_counsellor_key(
            user=request.user, public_key=_body(request).get("public_key")
        )
    except matching_service.MatchingError as error:
        return JsonResponse({"error": error.code, "message": error.message}, status=400)
    return JsonResponse({"saved": True})


@tool_view(check_matching_counsellor)
@require_GET
def matching_match(request, match_id: int):
    match = get_object_or_404(MatchingMatch, pk=match_id)
    shares = match_shares(match=match, user=request.user)
    return JsonResponse(
        {
            "match": match.pk,
            "shares": [
                {
                    "entry": share["entry"],
                    "blob": share["blob"],
                    "sealed_to": share["sealed_to"],
                    "owner_joined": share["owner_joined"].isoformat(),
                    "contact_url": reverse("matching_contact", args=[match.pk, share["entry"]]),
                }
                for share in shares
            ],
        }
    )


@tool_view(check_matching_counsellor)
@require_POST
def matching_contact(request, match_id: int, entry_id: int):
    """From an opened match: a private support thread with the member who made this entry."""
    match = get_object_or_404(MatchingMatch, pk=match_id)
    try:
        support_request = matching_service.contact_match_member(
            user=request.user, match=match, entry_id=entry_id
        )
    except matching_service.MatchingError as error:
        messages.error(request, error.message)
        return redirect("matching_counsellor")
    return redirect("support_request_detail", support_request.pk)
