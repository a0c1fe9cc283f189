"""Group pages: directory, proposals, the group page, joining, requests, invites, leaving."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.confirmation import ask_first
from community.forms.groups import (
    DecisionForm,
    DirectorySearchForm,
    GroupProposalForm,
    GroupSettingsForm,
    InviteForm,
    JoinForm,
    WatchedWordsForm,
)
from community.models import Group, Membership
from community.permissions import (
    can_read_group,
    check_decide_group_proposals,
    check_manage_group,
    check_moderate_group,
    get_group_for_reader_or_404,
    get_group_for_visitor_or_404,
    has_mfa,
    is_group_moderator_for,
    is_group_owner_for,
    tool_view,
)
from community.selectors import groups as group_selectors
from community.selectors.posts import thread_list_page
from community.services import groups as group_services


def moderator_gate(request, group):
    """Group moderator tools: 404/403 from the permission check, then a second factor."""
    check_moderate_group(user=request.user, group=group)
    if not has_mfa(request.user):
        messages.warning(
            request,
            _("This area needs two-factor authentication. Set up an authenticator app first."),
        )
        return redirect("mfa_activate_totp")
    return None


@login_required
def group_directory(request):
    tag_names = list(group_selectors.directory_tags().values_list("name", flat=True))
    form = DirectorySearchForm(request.GET or None, tag_names=tag_names)
    query = tag = ""
    if form.is_valid():
        query, tag = form.cleaned_data["q"], form.cleaned_data["tag"]
    my_groups = list(group_selectors.member_groups(user_id=request.user.pk))
    page = group_selectors.directory_page(
        query=query,
        tag=tag,
        page_number=request.GET.get("page"),
        member_group_ids={group.pk for group in my_groups},
    )
    return render(
        request,
        "community/groups/directory.html",
        {"form": form, "page": page, "query": query, "tag": tag, "my_groups": my_groups},
    )


@login_required
def group_propose(request):
    form = GroupProposalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group = group_services.propose_group(
            proposer=request.user,
            name=data["name"],
            description=data["description"],
            rules=data["rules"],
            visibility=data["visibility"],
            join_policy=data["join_policy"],
            history_policy=data["history_policy"],
            tag_names=data["tags"],
        )
        if group.status == Group.Status.ACTIVE:
            messages.success(request, _("The group is created. You are its owner."))
            return redirect("group_detail", slug=group.slug)
        messages.success(request, _("Thank you. Staff will review your proposal and let you know."))
        return redirect("group_directory")
    return render(request, "community/groups/propose.html", {"form": form})


def _ask_first_for_decision(
    request,
    form: DecisionForm,
    *,
    approve_heading: str,
    decline_heading: str,
    approve_consequence: str,
    decline_consequence: str,
    cancel_url: str,
) -> HttpResponse | None:
    """An approval with a valid form goes straight through (None); a decline, or a form with
    errors, asks first, showing the reason field so it can be given or corrected."""
    approve = request.POST.get("decision") == "approve"
    if approve and form.is_valid():
        return None
    return ask_first(
        request,
        heading=approve_heading if approve else decline_heading,
        consequences=[approve_consequence if approve else decline_consequence],
        confirm_label=_("Approve") if approve else _("Decline"),
        cancel_url=cancel_url,
        form=form,
        danger=not approve,
    )


@tool_view(check_decide_group_proposals)
def group_proposals(request):
    return render(
        request,
        "community/groups/proposals.html",
        {"proposals": group_selectors.proposed_groups(), "form": DecisionForm()},
    )


@require_POST
@tool_view(check_decide_group_proposals)
def group_proposal_decide(request, slug: str):
    group = group_selectors.get_proposed_group_or_404(slug=slug)
    form = DecisionForm(request.POST)
    if response := _ask_first_for_decision(
        request,
        form,
        approve_heading=_("Approve the group %(name)s?") % {"name": group.name},
        decline_heading=_("Decline the group %(name)s?") % {"name": group.name},
        approve_consequence=_("The group opens, and the person who proposed it becomes its owner."),
        decline_consequence=_(
            "The group is not created. The person who proposed it is told, with your "
            "reason if you give one."
        ),
        cancel_url=reverse("group_proposals"),
    ):
        return response
    approve = form.cleaned_data["decision"] == "approve"
    try:
        group_services.decide_group_proposal(
            actor=request.user, group=group, approve=approve, reason=form.cleaned_data["reason"]
        )
    except group_services.GroupError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Approved.") if approve else _("Declined."))
    return redirect("group_proposals")


@login_required
def group_detail(request, slug: str):
    group = get_group_for_visitor_or_404(user=request.user, slug=slug)
    context = {
        "group": group,
        "membership": group.viewer_membership,
        "is_reader": can_read_group(user=request.user, group=group),
        "is_moderator": is_group_moderator_for(user=request.user, group=group),
        "is_owner": is_group_owner_for(user=request.user, group=group),
        "member_count_label": group_selectors.member_count_label(
            group_selectors.active_member_count(group_id=group.pk)
        ),
        "tags": group.tags.all(),
    }
    if context["is_reader"]:
        context["page"] = thread_list_page(
            group=group, viewer=request.user, page_number=request.GET.get("page")
        )
    return render(request, "community/groups/detail.html", context)


def _join_page(request, *, group, membership, invite, join):
    """The join form, for a group's own join policy or through an invite link: `join()`
    makes the membership once the rules are accepted."""
    if membership is not None and membership.state == Membership.State.ACTIVE:
        return redirect("group_detail", slug=group.slug)
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = join()
        except group_services.GroupError as error:
            form.add_error(None, error.message)
        else:
            if membership.state == Membership.State.ACTIVE:
                messages.success(request, _("Welcome to the group."))
            else:
                messages.success(request, _("Your request is sent. A moderator will review it."))
            return redirect("group_detail", slug=group.slug)
    return render(
        request,
        "community/groups/join.html",
        {"group": group, "form": form, "membership": membership, "invite": invite},
    )


@login_required
def group_join(request, slug: str):
    group = get_group_for_visitor_or_404(user=request.user, slug=slug)
    return _join_page(
        request,
        group=group,
        membership=group.viewer_membership,
        invite=None,
        join=lambda: group_services.join_group(user=request.user, group=group, accepted_rules=True),
    )


@login_required
def invite_accept(request, token: str):
    invite = group_selectors.get_usable_invite(token=token)
    if invite is None:
        # Expired, used up, revoked or made up: the same answer, and nothing about the group.
        return render(request, "community/groups/invite_invalid.html", status=404)
    return _join_page(
        request,
        group=invite.group,
        membership=group_selectors.get_membership(user=request.user, group=invite.group),
        invite=invite,
        join=lambda: group_services.join_group_by_invite(
            user=request.user, token=token, accepted_rules=True
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
def group_leave(request, slug: str):
    """Leaving a group, or withdrawing a request to join it: a confirmation page first, and
    only its POST acts (issue 13 defect 3)."""
    group = get_group_for_visitor_or_404(user=request.user, slug=slug)
    membership = group_selectors.get_membership(user=request.user, group=group)
    pending = membership is not None and membership.state == Membership.State.PENDING
    if request.method == "POST":
        group_services.leave_group(user=request.user, group=group)
        messages.success(
            request,
            _("Your request to join is withdrawn.") if pending else _("You left the group."),
        )
        return redirect("group_directory")
    if membership is None or not (pending or membership.is_active):
        return redirect("group_detail", slug=group.slug)
    return render(
        request,
        "community/groups/leave_confirm.html",
        {
            "group": group,
            "pending": pending,
            "cancel_url": reverse("group_detail", args=[group.slug]),
            "confirm_danger": not pending,
        },
    )


@login_required
def group_requests(request, slug: str):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    return render(
        request,
        "community/groups/requests.html",
        {
            "group": group,
            "requests": group_selectors.pending_join_requests(group=group),
            "form": DecisionForm(),
        },
    )


@require_POST
@login_required
def group_request_decide(request, slug: str, membership_id: int):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    membership = group_selectors.get_membership_in_group_or_404(
        group=group, membership_id=membership_id
    )
    form = DecisionForm(request.POST)
    name = membership.user.profile.pseudonym
    if response := _ask_first_for_decision(
        request,
        form,
        approve_heading=_("Approve %(name)s's request?") % {"name": name},
        decline_heading=_("Decline %(name)s's request?") % {"name": name},
        approve_consequence=_("They become a member of the group and are told so."),
        decline_consequence=_(
            "They are told their request was declined, with your reason if you give one. "
            "They may ask again later."
        ),
        cancel_url=reverse("group_requests", args=[group.slug]),
    ):
        return response
    approve = form.cleaned_data["decision"] == "approve"
    try:
        group_services.decide_join_request(
            actor=request.user,
            membership=membership,
            approve=approve,
            reason=form.cleaned_data["reason"],
        )
    except group_services.GroupError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Request approved.") if approve else _("Request declined."))
    return redirect("group_requests", slug=group.slug)


@login_required
def group_watched_words(request, slug: str):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    form = WatchedWordsForm(request.POST or None, initial={"watched_words": group.watched_words})
    if request.method == "POST" and form.is_valid():
        group_services.set_watched_words(
            actor=request.user, group=group, watched_words=form.cleaned_data["watched_words"]
        )
        messages.success(request, _("The watched words are saved."))
        return redirect("group_watched_words", slug=group.slug)
    return render(
        request,
        "community/groups/watched_words.html",
        {"group": group, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def group_invites(request, slug: str):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        invite = group_services.create_invite(
            actor=request.user,
            group=group,
            valid_hours=form.cleaned_data["valid_hours"],
            max_uses=form.cleaned_data["max_uses"],
        )
        messages.success(request, _("Invite link created. Share it privately."))
        return redirect(f"{request.path}#invite-{invite.pk}")
    return render(
        request,
        "community/groups/invites.html",
        {"group": group, "form": form, "invites": group_selectors.group_invites(group=group)},
    )


@require_POST
@login_required
def group_invite_revoke(request, slug: str, invite_id: int):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    invite = group_selectors.get_invite_in_group_or_404(group=group, invite_id=invite_id)
    if response := ask_first(
        request,
        heading=_("Revoke this invite link?"),
        consequences=[
            _("The link stops working at once, for anyone who has not used it yet."),
            _("People who already joined with it stay members."),
        ],
        confirm_label=_("Revoke link"),
        cancel_url=reverse("group_invites", args=[group.slug]),
    ):
        return response
    group_services.revoke_invite(actor=request.user, invite=invite)
    messages.success(request, _("The invite link no longer works."))
    return redirect("group_invites", slug=group.slug)


@login_required
def group_settings(request, slug: str):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    check_manage_group(user=request.user, group=group)
    # The form works on a copy, so a rejected change never shows up half-applied.
    form = GroupSettingsForm(
        request.POST if request.method == "POST" else None,
        instance=group_selectors.get_group(group_id=group.pk),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group_services.update_group(
            actor=request.user,
            group=group,
            name=data["name"],
            description=data["description"],
            rules=data["rules"],
            visibility=data["visibility"],
            join_policy=data["join_policy"],
            history_policy=data["history_policy"],
            tag_names=data["tags"],
        )
        messages.success(request, _("The group's settings are saved."))
        return redirect("group_detail", slug=group.slug)
    return render(request, "community/groups/settings.html", {"group": group, "form": form})


@login_required
def group_members(request, slug: str):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    check_manage_group(user=request.user, group=group)
    if request.method == "POST":
        membership_id = request.POST.get("membership", "")
        if not membership_id.isdigit():
            raise Http404
        membership = group_selectors.get_membership_in_group_or_404(
            group=group, membership_id=int(membership_id)
        )
        demoting = (
            membership.role == Membership.Role.MODERATOR and request.POST.get("role") == "member"
        )
        if demoting and (
            response := ask_first(
                request,
                heading=_("Make %(name)s a member again?")
                % {"name": membership.user.profile.pseudonym},
                consequences=[
                    _("They lose the group's moderator tools at once, in the live room too."),
                    _("What they did as a moderator stays in the audit log."),
                ],
                confirm_label=_("Make a member"),
                cancel_url=reverse("group_members", args=[group.slug]),
            )
        ):
            return response
        try:
            group_services.set_member_role(
                actor=request.user, membership=membership, role=request.POST.get("role", "")
            )
        except group_services.GroupError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Role updated."))
        return redirect("group_members", slug=group.slug)
    page = group_selectors.members_page(group=group, page_number=request.GET.get("page"))
    return render(request, "community/groups/members.html", {"group": group, "page": page})
