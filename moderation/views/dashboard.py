"""Moderator pages. Every view: two-factor required, then a moderator check (404 for anyone
else), then one service call."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.models import Group
from moderation.actions.appeal import AppealError, decide_appeal
from moderation.actions.decide import decide_item
from moderation.actions.sanction import SanctionError, sanction_member
from moderation.actions.threshold import set_auto_hide_threshold
from moderation.flaggables import get_flaggable
from moderation.forms import (
    AppealDecisionForm,
    AuditFilterForm,
    DecisionForm,
    SanctionForm,
    ThresholdForm,
)
from moderation.models import Appeal, ReviewItem
from moderation.permissions import (
    can_sanction_item_author,
    can_see_item_author,
    check_decide_appeal,
    check_moderate_group,
    check_review_item,
    get_item_for_sanction,
    get_member_profile_for_moderator_or_404,
    moderator_view,
)
from moderation.selectors.queue import (
    appeals_to_decide,
    audit_log,
    flags_for_moderator,
    member_history,
    moderated_groups,
    review_queue,
    sanction_groups,
)
from moderation.selectors.scoring import auto_hide_threshold


@moderator_view
def queue(request):
    status = (
        ReviewItem.Status.RESOLVED
        if request.GET.get("status") == "resolved"
        else ReviewItem.Status.OPEN
    )
    items = review_queue(viewer=request.user, status=status)[:100]
    if request.GET.get("fragment"):
        return render(request, "moderation/queue_items.html", {"items": items, "status": status})
    # Group moderators get their groups' settings and room controls; site moderators reach
    # those from an item or member page.
    groups = moderated_groups(viewer=request.user)
    return render(
        request, "moderation/queue.html", {"items": items, "status": status, "groups": groups}
    )


def _sanction_form(request, target_user_id: int, data=None, initial=None):
    # Prefixed: on the item page it shares the page with the decision form's fields.
    return SanctionForm(
        data,
        initial=initial,
        prefix="sanction",
        allow_suspend=request.user.is_site_moderator,
        groups=sanction_groups(viewer=request.user, target_user_id=target_user_id),
    )


@moderator_view
def item_detail(request, item_id: int):
    item = get_object_or_404(
        ReviewItem.objects.select_related("group", "author__profile"), pk=item_id
    )
    check_review_item(request.user, item)
    flaggable = get_flaggable(item.content_kind)
    obj = flaggable.get(item.object_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = decide_item(actor=request.user, item=item, **form.cleaned_data)
        if result.changed:
            messages.success(request, _("Decision saved. The author and the reporters are told."))
        else:
            messages.info(request, _("That was already decided; nothing changed."))
        return redirect("moderation:item_detail", item_id=item.pk)
    sanction_form = None
    if can_sanction_item_author(request.user, item):
        sanction_form = _sanction_form(
            request,
            item.author_id,
            initial={"group": str(item.group_id or ""), "kind": "warn"},
        )
    return render(
        request,
        "moderation/item_detail.html",
        {
            "item": item,
            "flaggable": flaggable,
            "flags": flags_for_moderator(viewer=request.user, item=item),
            "context_lines": flaggable.context(obj) if obj is not None else [],
            "form": form,
            "show_author": can_see_item_author(request.user, item),
            "sanction_form": sanction_form,
            "threshold": auto_hide_threshold(group_id=item.group_id),
        },
    )


@moderator_view
def member(request, public_id: str):
    profile = get_member_profile_for_moderator_or_404(viewer=request.user, public_id=public_id)
    item = None
    if request.method == "POST":
        form = _sanction_form(request, profile.user_id, data=request.POST)
        item = get_item_for_sanction(
            viewer=request.user,
            item_id=request.POST.get("item", ""),
            target_user_id=profile.user_id,
        )
        if form.is_valid() and _apply_sanction(request, form, profile=profile, item=item):
            return redirect("moderation:member", public_id=public_id)
    else:
        form = _sanction_form(request, profile.user_id)
    return render(
        request,
        "moderation/member.html",
        {
            "profile": profile,
            "history": member_history(viewer=request.user, user_id=profile.user_id),
            "form": form,
            "item": item,
        },
    )


def _apply_sanction(request, form, *, profile, item) -> bool:
    """Calls the action with the form's choices; False, with the refusal on the form, when
    it says no."""
    try:
        result = sanction_member(
            actor=request.user,
            target=profile.user,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            group=form.chosen_group,
            ends_at=form.ends_at,
            item=item,
        )
    except SanctionError as error:
        form.add_error(None, str(error))
        return False
    except PermissionDenied as error:
        form.add_error("kind", str(error) or _("You may not take this action here."))
        return False
    if result.changed:
        messages.success(request, _("Done. The member is told, by “a moderator”."))
    else:
        messages.info(request, _("That is already in force; nothing changed."))
    return True


def _filtered_audit(request):
    form = AuditFilterForm(request.GET or None)
    action = member_pseudonym = ""
    if form.is_valid():
        action, member_pseudonym = form.cleaned_data["action"], form.cleaned_data["member"]
    return form, audit_log(viewer=request.user, action=action, member_pseudonym=member_pseudonym)


@moderator_view
def audit(request):
    form, entries = _filtered_audit(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/audit.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
    )


@moderator_view
def audit_csv(request):
    _form, entries = _filtered_audit(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "id",
            "when",
            "moderator",
            "action",
            "target",
            "target id",
            "member",
            "group id",
            "reason",
            "snapshot",
        ]
    )
    for entry in entries.iterator():
        writer.writerow(
            [
                entry.pk,
                entry.created_at.isoformat(),
                entry.shown_actor or _("system"),
                entry.action,
                entry.target_kind,
                entry.target_id,
                entry.target_pseudonym,
                entry.group_id or "",
                _csv_safe(entry.reason),
                _csv_safe(entry.snapshot),
            ]
        )
    return response


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets: neutralise it.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _appeal_form(appeal_id: int, data=None) -> AppealDecisionForm:
    # One form per appeal on the page: the prefix keeps field ids unique.
    return AppealDecisionForm(data, prefix=f"appeal-{appeal_id}")


def _render_appeals(request, bound_form=None, bound_id=None, status=200):
    pairs = [
        (appeal, bound_form if appeal.pk == bound_id else _appeal_form(appeal.pk))
        for appeal in appeals_to_decide(viewer=request.user)
    ]
    return render(request, "moderation/appeals.html", {"appeals": pairs}, status=status)


@moderator_view
def appeals(request):
    return _render_appeals(request)


@moderator_view
@require_POST
def appeal_decide(request, appeal_id: int):
    appeal = get_object_or_404(Appeal.objects.select_related("sanction__group"), pk=appeal_id)
    check_decide_appeal(request.user, appeal)
    form = _appeal_form(appeal.pk, request.POST)
    if form.is_valid():
        try:
            decide_appeal(
                actor=request.user,
                appeal=appeal,
                grant=form.cleaned_data["outcome"] == "grant",
                note=form.cleaned_data["note"],
            )
        except AppealError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Appeal decided. The member is told."))
            return redirect("moderation:appeals")
    return _render_appeals(request, bound_form=form, bound_id=appeal.pk, status=400)


@moderator_view
def group_settings(request, group_id: int):
    group = get_object_or_404(Group, pk=group_id)
    check_moderate_group(request.user, group.pk)
    form = ThresholdForm(
        request.POST or None,
        initial={"auto_hide_threshold": auto_hide_threshold(group_id=group.pk)},
    )
    if request.method == "POST" and form.is_valid():
        set_auto_hide_threshold(
            actor=request.user, group=group, threshold=form.cleaned_data["auto_hide_threshold"]
        )
        messages.success(request, _("Saved."))
        return redirect("moderation:group_settings", group_id=group.pk)
    return render(request, "moderation/group_settings.html", {"group": group, "form": form})
