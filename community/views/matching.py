"""Matching escrow endpoints (decision 0080). The browser does the cryptography: these take
and give only blinded elements, π, sealed blobs and public keys, as JSON (CSRF-protected)."""

import json

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community.matching import escrow
from community.models import MatchingMatch
from community.permissions import (
    check_matching_counsellor,
    get_matching_entry_for_owner_or_404,
    matching_ineligibility,
    tool_view,
)
from community.selectors.matching import counsellors_with_keys, match_shares, share_x
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
        return JsonResponse({"error": error.code, "message": error.message}, status=400)
    # The same answer whether or not it matched: a member never learns that.
    return JsonResponse({"entry": entry.pk}, status=201)


@login_required
@require_POST
def matching_entry_withdraw(request, entry_id: int):
    entry = get_matching_entry_for_owner_or_404(user=request.user, entry_id=entry_id)
    matching_service.withdraw_entry(entry=entry)
    return JsonResponse({"withdrawn": entry_id})


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
                }
                for share in shares
            ],
        }
    )
