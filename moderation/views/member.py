"""What every member uses: flagging, crisis resources, their own notices and appeals,
and the block/mute settings page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.before_you_send import send_checked
from community.confirmation import ask_first
from messaging.errors import MessagingDenied
from messaging.selectors.conversations import request_sender_id
from messaging.services.conversations import decline_request_consequences
from moderation.actions.appeal import AppealError, submit_appeal
from moderation.actions.flag import flag_content
from moderation.flaggables import get_flaggable
from moderation.forms import AppealForm, BlockForm, FlagForm
from moderation.models import Sanction
from moderation.selectors.blocks import blocks_made_by, other_member_by_pseudonym
from moderation.selectors.queue import sanctions_of_member
from moderation.selectors.sanctions import appeal_deadline
from moderation.services.blocks import block_member, decline_request_and_block, unblock_member


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
def flag(request, kind: str, object_id: int):
    flaggable = get_flaggable(kind)
    if flaggable is None:
        raise Http404
    obj = flaggable.get(object_id)
    if obj is None or not flaggable.can_view(request.user, obj):
        raise Http404
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        flag_content(flagger=request.user, flaggable=flaggable, obj=obj, **form.cleaned_data)
        messages.success(
            request, _("Thank you. Moderators will review it; you will hear the outcome.")
        )
        return redirect(_safe_next(request) or "moderation:my_notices")
    return render(
        request,
        "moderation/flag_form.html",
        {
            "form": form,
            "flaggable": flaggable,
            "snapshot": flaggable.snapshot(obj),
            "next": _safe_next(request),
        },
    )


@login_required
def crisis_resources(request):
    return render(request, "moderation/crisis_resources.html")


@login_required
def my_notices(request):
    now = timezone.now()
    sanctions = list(sanctions_of_member(user_id=request.user.pk))
    for sanction in sanctions:
        sanction.appeal_deadline = appeal_deadline(sanction)
        # A missing reverse one-to-one raises an AttributeError subclass: getattr covers it.
        sanction.existing_appeal = getattr(sanction, "appeal", None)
        sanction.can_appeal = sanction.existing_appeal is None and now <= sanction.appeal_deadline
    return render(request, "moderation/my_notices.html", {"sanctions": sanctions})


@login_required
def appeal(request, sanction_id: int):
    sanction = get_object_or_404(
        Sanction.objects.select_related("group"), pk=sanction_id, user=request.user
    )
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = send_checked(
                request,
                form,
                lambda confirmed: submit_appeal(
                    appellant=request.user,
                    sanction=sanction,
                    text=form.cleaned_data["text"],
                    confirmed=confirmed,
                ),
            )
        except AppealError as error:
            form.add_error(None, str(error))
        else:
            # None: held back; the form says why and offers to send it anyway.
            if result is not None:
                if result.changed:
                    messages.success(
                        request, _("Your appeal is sent. A different moderator will decide it.")
                    )
                else:
                    messages.info(request, _("You already appealed this decision."))
                return redirect("moderation:my_notices")
    return render(
        request,
        "moderation/appeal_form.html",
        {
            "form": form,
            "sanction": sanction,
            "deadline": appeal_deadline(sanction),
        },
    )


@login_required
def blocks(request):
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = other_member_by_pseudonym(
            pseudonym=form.cleaned_data["pseudonym"], viewer_id=request.user.pk
        )
        if target is None:
            form.add_error("pseudonym", _("No other member has this pseudonym."))
        else:
            block_member(owner=request.user, target=target.user, kind=form.cleaned_data["kind"])
            messages.success(request, _("Saved. They are not told."))
            return redirect("moderation:blocks")
    entries = blocks_made_by(owner_id=request.user.pk)
    return render(request, "moderation/blocks.html", {"form": form, "entries": entries})


@login_required
@require_POST
def unblock(request, block_id: int):
    unblock_member(owner=request.user, block_id=block_id)
    messages.success(request, _("Removed from your list."))
    return redirect("moderation:blocks")


@login_required
@require_POST
def decline_and_block_request(request, conversation_id: int):
    """From the message-requests lists: decline the request and block its sender."""
    if request_sender_id(conversation_id=conversation_id, user=request.user) is None:
        raise Http404
    if response := ask_first(
        request,
        heading=_("Decline this request and block its sender?"),
        consequences=[
            *decline_request_consequences(),
            _(
                "Blocked, they cannot message you or see your profile, and you no longer see what "
                "they write; they are not told. You can unblock them in “Blocked and muted”."
            ),
        ],
        confirm_label=_("Decline and block"),
        cancel_url=_safe_next(request) or reverse("messaging:requests"),
    ):
        return response
    try:
        decline_request_and_block(owner=request.user, conversation_id=conversation_id)
    except MessagingDenied:
        raise Http404 from None
    messages.success(
        request, _("Declined and blocked. They will only see that it was not delivered.")
    )
    return redirect(_safe_next(request) or "messaging:requests")
