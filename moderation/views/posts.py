"""Moderators' buttons under a post: hide, show again, pin, lock, and sanctions on its author
(moderation/actions/posts.py). The post page is community's; these act on what it shows.
Hiding and locking ask first (community.confirmation.ask_first); muting, removing or banning the
author goes through a confirmation page with a reason (decision 0071)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from community.confirmation import ask_first
from community.permissions import get_group_for_reader_or_404
from community.selectors import posts as post_selectors
from community.services.groups import GroupError
from community.views.groups import moderator_gate
from moderation.actions import posts as post_actions
from moderation.forms import AuthorSanctionForm, MuteReasonForm


def _post_url(post) -> str:
    return reverse("thread_detail", args=[post.group.slug, post.root_id]) + f"#post-{post.pk}"


MODERATOR_ACTIONS = {
    "hide": (post_actions.hide_post, gettext_lazy("The post is hidden.")),
    "unhide": (post_actions.unhide_post, gettext_lazy("The post is visible again.")),
    "pin": (
        lambda actor, post: post_actions.pin_thread(actor=actor, thread=post),
        gettext_lazy("Thread pinned."),
    ),
    "unpin": (
        lambda actor, post: post_actions.pin_thread(actor=actor, thread=post, pinned=False),
        gettext_lazy("Thread unpinned."),
    ),
    "lock": (
        lambda actor, post: post_actions.lock_thread(actor=actor, thread=post),
        gettext_lazy("Thread locked."),
    ),
    "unlock": (
        lambda actor, post: post_actions.lock_thread(actor=actor, thread=post, locked=False),
        gettext_lazy("Thread unlocked."),
    ),
}
# Hiding a post and locking a thread ask first (issue 13): what happens, then the button.
ASKED_FIRST = {
    "hide": (
        gettext_lazy("Hide this post?"),
        [
            gettext_lazy("Members no longer see its text; a note that a moderator hid it stays."),
            gettext_lazy(
                "Moderators still see it, and you can show it again. The audit log keeps it."
            ),
        ],
        gettext_lazy("Hide post"),
    ),
    "lock": (
        gettext_lazy("Lock this thread?"),
        [
            gettext_lazy("Nobody can reply until it is unlocked; what is there stays readable."),
            gettext_lazy("The audit log keeps it."),
        ],
        gettext_lazy("Lock thread"),
    ),
}

# Muting, removing or banning a post's author needs a confirmation with a reason (issue 13
# defect 3; a mute's is optional): the one-click buttons of older pages land on that page.
AUTHOR_SANCTIONS = {
    "mute": (
        post_actions.mute_post_author,
        gettext_lazy("The author is muted in this group for 24 hours."),
    ),
    "remove": (
        post_actions.remove_post_author_from_group,
        gettext_lazy("The author is removed from the group."),
    ),
    "ban": (
        post_actions.ban_post_author_from_group,
        gettext_lazy("The author is banned from the group."),
    ),
}
CONFIRMED_ACTIONS = {"mute_author": "mute", "remove_author": "remove", "ban_author": "ban"}


@require_POST
@login_required
def post_moderate(request, slug: str, post_id: int):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    post = post_selectors.get_post_or_404(group=group, viewer=request.user, post_id=post_id)
    requested = request.POST.get("action", "")
    if requested in CONFIRMED_ACTIONS:
        kind = CONFIRMED_ACTIONS[requested]
        return redirect("moderation:post_sanction", slug=group.slug, post_id=post.pk, kind=kind)
    action = MODERATOR_ACTIONS.get(requested)
    if action is None:
        messages.error(request, _("Unknown action."))
        return redirect(_post_url(post))
    if requested in ASKED_FIRST:
        heading, consequences, confirm_label = ASKED_FIRST[requested]
        if response := ask_first(
            request,
            heading=heading,
            consequences=consequences,
            confirm_label=confirm_label,
            cancel_url=_post_url(post),
        ):
            return response
    service, done_message = action
    try:
        service(actor=request.user, post=post)
    except GroupError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message)
    return redirect(_post_url(post))


@require_http_methods(["GET", "POST"])
@login_required
def post_sanction(request, slug: str, post_id: int, kind: str):
    """Mute, remove or ban a post's author: a confirmation page showing the post and its author as
    this moderator may see them (an anonymous author stays "Anonymous member"), with a
    required reason; only its POST acts."""
    if kind not in AUTHOR_SANCTIONS:
        raise Http404
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    post = post_selectors.get_post_or_404(group=group, viewer=request.user, post_id=post_id)
    post_selectors.decorate_posts(posts=[post], viewer=request.user, with_reactions=False)
    form_class = MuteReasonForm if kind == "mute" else AuthorSanctionForm
    form = form_class(request.POST if request.method == "POST" else None)
    service, done_message = AUTHOR_SANCTIONS[kind]
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, post=post, reason=form.cleaned_data["reason"])
        except GroupError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done_message)
            return redirect(_post_url(post))
    return render(
        request,
        "moderation/post_sanction_confirm.html",
        {
            "group": group,
            "post": post,
            "kind": kind,
            "form": form,
            "cancel_url": _post_url(post),
        },
    )
