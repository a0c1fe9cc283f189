"""The advocate directory, applying, the advocate workload, and support requests."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.before_you_send import send_checked
from community.confirmation import ask_first
from community.durations import describe_duration
from community.forms.advocates import (
    AdvocateApplicationForm,
    DirectoryFilterForm,
    FeedbackForm,
    HandoverForm,
    SupportRequestForm,
)
from community.models import SupportRequest
from community.permissions import (
    can_hand_over_support_request,
    can_leave_support_feedback,
    check_use_advocate_tools,
    get_support_request_for_member_or_404,
    get_support_request_for_viewer_or_404,
    has_mfa,
    tool_view,
)
from community.selectors.advocates import (
    DirectoryOrder,
    advocate_workload,
    can_take_requests,
    directory_advocates,
    get_directory_advocate_or_404,
    get_own_advocate_profile,
    handover_candidates,
    is_at_capacity,
    is_verified_advocate,
    median_first_response,
    member_support_requests,
    pending_specialties_of,
    support_display_name,
)
from community.selectors.resources import CRISIS_ARTICLE_SLUG, has_completed_advocate_training
from community.services.advocates import apply_as_advocate, set_advocate_availability
from community.services.support_requests import (
    SupportRequestError,
    accept_support_request,
    create_support_request,
    hand_over_support_request,
    leave_support_feedback,
    resolve_support_request,
    shows_crisis_resources,
    withdraw_support_request,
)


@login_required
def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    # The fields that are valid still apply when another is not (the form shows its error);
    # an unbound form has no cleaned data: no filters.
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    advocates = directory_advocates(
        specialty=filters.get("specialty"),
        language=filters.get("language", ""),
        taking_requests=filters.get("taking", False),
        text=filters.get("q", ""),
        order=filters.get("sort") or DirectoryOrder.RECOMMENDED,
    )
    return render(
        request,
        "community/advocates/directory.html",
        {
            "form": form,
            "advocates": advocates,
            "viewer_is_advocate": is_verified_advocate(user_id=request.user.pk),
        },
    )


@login_required
def advocate_detail(request, public_id: str):
    advocate = get_directory_advocate_or_404(public_id=public_id)
    median = median_first_response(advocate_user_id=advocate.user_id)
    return render(
        request,
        "community/advocates/detail.html",
        {
            "advocate": advocate,
            "at_capacity": is_at_capacity(advocate),
            "can_take_requests": can_take_requests(advocate),
            "median_response": median,
            "median_response_text": describe_duration(median) if median is not None else "",
        },
    )


@login_required
def apply(request):
    advocate = get_own_advocate_profile(user_id=request.user.pk)
    pending = pending_specialties_of(advocate=advocate)
    form = AdvocateApplicationForm(
        request.POST if request.method == "POST" else None,
        initial=AdvocateApplicationForm.initial_from(advocate, pending),
    )
    if request.method == "POST" and form.is_valid():
        advocate = apply_as_advocate(user=request.user, **form.cleaned_data)
        if advocate.status == advocate.Status.APPLIED:
            messages.success(request, _("Your application is saved. Staff will review it."))
        elif pending_specialties_of(advocate=advocate):
            messages.success(
                request,
                _(
                    "Your entry is saved. Staff approve a new specialty before you are listed "
                    "under it and see its requests."
                ),
            )
        else:
            messages.success(request, _("Your entry is saved."))
        return redirect("advocate_apply")
    return render(
        request,
        "community/advocates/apply.html",
        {
            "form": form,
            "advocate": advocate,
            "pending_specialties": pending,
            "training_done": has_completed_advocate_training(user_id=request.user.pk),
            "mfa_on": has_mfa(request.user),
        },
    )


@tool_view(check_use_advocate_tools)
def workload(request):
    advocate = get_own_advocate_profile(user_id=request.user.pk)
    workload = advocate_workload(advocate=advocate)
    return render(
        request,
        "community/advocates/workload.html",
        {
            "advocate": advocate,
            "waiting": workload.waiting,
            "active": workload.active,
            "pool": workload.pool,
            "slots_used": workload.slots_used,
        },
    )


@require_POST
@tool_view(check_use_advocate_tools)
def availability(request):
    advocate = get_own_advocate_profile(user_id=request.user.pk)
    accepting = request.POST.get("accepting") == "1"
    set_advocate_availability(advocate=advocate, accepting=accepting)
    messages.success(
        request,
        _("You are taking requests.")
        if accepting
        else _("You are paused: you stay in the directory, marked as not taking requests."),
    )
    return redirect("advocate_workload")


# --- support requests -------------------------------------------------------------------------


@login_required
def my_requests(request):
    return render(
        request,
        "community/advocates/my_requests.html",
        {"support_requests": member_support_requests(member_id=request.user.pk)},
    )


@login_required
def new_request(request):
    advocate = None
    if public_id := request.GET.get("advocate"):
        advocate = get_directory_advocate_or_404(public_id=public_id)
    form = SupportRequestForm(request.POST if request.method == "POST" else None, advocate=advocate)
    if request.method == "POST" and form.is_valid():
        try:
            # The request page shows crisis lines itself when the request mentions self-harm.
            support_request = send_checked(
                request,
                form,
                lambda confirmed: create_support_request(
                    member=request.user,
                    advocate_user_id=advocate.user_id if advocate else None,
                    confirmed=confirmed,
                    **form.cleaned_data,
                ),
                notice_self_harm=False,
            )
        except SupportRequestError as error:
            form.add_error(None, str(error))
        else:
            if support_request is not None:
                messages.success(request, _("Your request is sent."))
                return redirect("support_request_detail", request_id=support_request.pk)
    return render(
        request, "community/advocates/request_form.html", {"form": form, "advocate": advocate}
    )


def _get_viewable_request(request, request_id: int) -> SupportRequest:
    return get_support_request_for_viewer_or_404(user=request.user, request_id=request_id)


@login_required
def request_detail(request, request_id: int):
    support_request = _get_viewable_request(request, request_id)
    is_member = support_request.member_id == request.user.pk
    if not is_member and not has_mfa(request.user):
        # Advocate tools need a second factor; the member's own view does not.
        messages.warning(request, _("Advocate tools need two-factor authentication."))
        return redirect("mfa_activate_totp")
    context = {
        "support_request": support_request,
        "is_member": is_member,
        "is_advocate": support_request.advocate_id == request.user.pk,
        "show_crisis": is_member and shows_crisis_resources(support_request),
        "crisis_article_slug": CRISIS_ARTICLE_SLUG,
        "member_name": (
            _("You") if is_member else support_display_name(support_request=support_request)
        ),
    }
    if can_hand_over_support_request(user=request.user, support_request=support_request):
        candidates = handover_candidates(support_request=support_request)
        context["handover_form"] = HandoverForm(advocates=candidates) if candidates else None
    if can_leave_support_feedback(user=request.user, support_request=support_request):
        context["feedback_form"] = FeedbackForm()
    return render(request, "community/advocates/request_detail.html", context)


def _act(
    request, support_request: SupportRequest, action, *, done: str, then: str = ""
) -> HttpResponse:
    """Runs one lifecycle service on a request the viewer may see (`_get_viewable_request`).
    A domain error becomes a message on the request page; success goes to `then` (default:
    the request page)."""
    detail_url = reverse("support_request_detail", args=[support_request.pk])
    try:
        action(support_request)
    except SupportRequestError as error:
        messages.error(request, str(error))
        return redirect(detail_url)
    messages.success(request, done)
    return redirect(then or detail_url)


@require_POST
@tool_view(check_use_advocate_tools)
def accept_request(request, request_id: int):
    return _act(
        request,
        _get_viewable_request(request, request_id),
        lambda support_request: accept_support_request(
            support_request=support_request, advocate_user=request.user
        ),
        done=_("You accepted the request. The private thread is open."),
    )


@require_POST
@tool_view(check_use_advocate_tools)
def hand_over_request(request, request_id: int):
    target = request.POST.get("to_advocate", "")
    if not target.isdigit():
        messages.error(request, _("Choose an advocate."))
        return redirect("support_request_detail", request_id=request_id)
    # Before asking: someone who may not see the request gets 404, not the step.
    support_request = _get_viewable_request(request, request_id)
    if response := ask_first(
        request,
        heading=_("Hand this request over?"),
        consequences=[
            _(
                "The advocate you chose takes it on, with its private thread; they and the "
                "member are told."
            ),
            _("You can no longer see the request or its thread."),
        ],
        confirm_label=_("Hand over"),
        cancel_url=reverse("support_request_detail", args=[request_id]),
    ):
        return response
    return _act(
        request,
        support_request,
        lambda support_request: hand_over_support_request(
            support_request=support_request,
            advocate_user=request.user,
            to_advocate_user_id=int(target),
        ),
        done=_("The request is handed over."),
        # The former advocate can no longer see the request.
        then=reverse("advocate_workload"),
    )


@require_POST
@login_required
def resolve_request(request, request_id: int):
    support_request = _get_viewable_request(request, request_id)
    if request.user.pk in (support_request.member_id, support_request.advocate_id) and (
        response := ask_first(
            request,
            heading=_("Mark this request resolved?"),
            consequences=[
                _("The request is closed for good and the other person is told."),
                _("Your private thread stays readable. A new need starts a new request."),
            ],
            confirm_label=_("Mark resolved"),
            cancel_url=reverse("support_request_detail", args=[request_id]),
            danger=False,
        )
    ):
        return response
    return _act(
        request,
        support_request,
        lambda support_request: resolve_support_request(
            support_request=support_request, actor=request.user
        ),
        done=_("The request is marked resolved."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def withdraw_request(request, request_id: int):
    """A confirmation page first; only its POST withdraws (issue 13 defect 3)."""
    if request.method == "GET":
        support_request = _get_viewable_request(request, request_id)
        detail_url = reverse("support_request_detail", args=[request_id])
        if support_request.member_id != request.user.pk:
            return redirect(detail_url)
        return render(
            request,
            "community/advocates/withdraw_confirm.html",
            {"support_request": support_request, "cancel_url": detail_url},
        )
    return _act(
        request,
        _get_viewable_request(request, request_id),
        lambda support_request: withdraw_support_request(
            support_request=support_request, member=request.user
        ),
        done=_("Your request is withdrawn."),
    )


@login_required
def feedback(request, request_id: int):
    support_request = get_support_request_for_member_or_404(
        user=request.user, request_id=request_id
    )
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            leave_support_feedback(
                support_request=support_request, member=request.user, **form.cleaned_data
            )
        except SupportRequestError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you. Only staff will read your feedback."))
            return redirect("support_request_detail", request_id=request_id)
    return render(
        request,
        "community/advocates/feedback.html",
        {"form": form, "support_request": support_request},
    )
