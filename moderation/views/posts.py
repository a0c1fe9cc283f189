"""Moderators' buttons under a post: hide, show again, pin, lock, and sanctions on its author
(moderation/actions/posts.py). The post page is community's; these act on what it shows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from community.permissions import get_group_for_reader_or_404
from community.selectors import posts as post_selectors
from community.services.groups import GroupError
from community.views.groups import moderator_gate
from moderation.actions import posts as post_actions


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
    "mute_author": (
        post_actions.mute_post_author,
        gettext_lazy("The author is muted in this group for 24 hours."),
    ),
    "remove_author": (
        post_actions.remove_post_author_from_group,
        gettext_lazy("The author is removed from the group."),
    ),
    "ban_author": (
        post_actions.ban_post_author_from_group,
        gettext_lazy("The author is banned from the group."),
    ),
}


@require_POST
@login_required
def post_moderate(request, slug: str, post_id: int):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    post = post_selectors.get_post_or_404(group=group, viewer=request.user, post_id=post_id)
    action = MODERATOR_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
        return redirect(_post_url(post))
    service, done_message = action
    try:
        service(actor=request.user, post=post)
    except GroupError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message)
    return redirect(_post_url(post))
