"""Thread and post pages: new thread, a thread with replies, edit, delete, react, moderate."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.before_you_send import send_checked
from community.confirmation import ask_first
from community.forms.posts import EditPostForm, ReplyForm, ThreadForm
from community.permissions import (
    can_reply_to_thread,
    check_edit_post,
    check_reply_to_thread,
    check_write_in_group,
    get_group_for_reader_or_404,
    is_group_moderator_for,
)
from community.selectors import posts as post_selectors
from community.services import posts as post_services
from community.services.groups import GroupError
from community.views.groups import moderator_gate


def _post_url(post) -> str:
    return reverse("thread_detail", args=[post.group.slug, post.root_id]) + f"#post-{post.pk}"


@login_required
def thread_new(request, slug: str):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    check_write_in_group(user=request.user, group=group)
    form = ThreadForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        thread = send_checked(
            request,
            form,
            lambda confirmed: post_services.create_thread(
                author=request.user, group=group, confirmed=confirmed, **form.cleaned_data
            ),
        )
        if thread is not None:
            messages.success(request, _("Your thread is posted."))
            return redirect("thread_detail", slug=group.slug, thread_id=thread.pk)
    return render(request, "community/groups/thread_new.html", {"group": group, "form": form})


@login_required
def thread_detail(request, slug: str, thread_id: int):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    thread = post_selectors.get_thread_or_404(group=group, viewer=request.user, thread_id=thread_id)
    form = ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        check_reply_to_thread(user=request.user, thread=thread)
        reply = form.is_valid() and send_checked(
            request,
            form,
            lambda confirmed: post_services.create_reply(
                author=request.user, thread=thread, confirmed=confirmed, **form.cleaned_data
            ),
        )
        if reply:
            messages.success(request, _("Your reply is posted."))
            return redirect(
                post_selectors.reply_url(
                    thread=thread, reply_id=reply.pk, position=thread.reply_count + 1
                )
            )
    # Taken before the replies are read: one written meanwhile is then shown and still marked
    # new in the list, never marked seen without having been shown. A page with more after it
    # marks only what it showed.
    started = timezone.now()
    page = post_selectors.reply_page(
        thread=thread, viewer=request.user, page_number=request.GET.get("page")
    )
    shown = list(page.object_list)  # already read: no query
    seen_through = shown[-1].created_at if page.has_next() and shown else started
    post_services.record_thread_visit(
        user=request.user, thread=thread, seen_through=min(seen_through, started)
    )
    return render(
        request,
        "community/groups/thread_detail.html",
        {
            "group": group,
            "thread": thread,
            "page": page,
            "form": form,
            "can_reply": can_reply_to_thread(user=request.user, thread=thread),
            "is_moderator": is_group_moderator_for(user=request.user, group=group),
        },
    )


@login_required
def post_edit(request, slug: str, post_id: int):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    post = post_selectors.get_post_or_404(group=group, viewer=request.user, post_id=post_id)
    check_edit_post(user=request.user, post=post)
    form = EditPostForm(request.POST if request.method == "POST" else None, instance=post)
    if request.method == "POST" and form.is_valid():
        edited = send_checked(
            request,
            form,
            lambda confirmed: post_services.edit_post(
                actor=request.user, post=post, confirmed=confirmed, **form.cleaned_data
            ),
        )
        if edited is not None:
            messages.success(request, _("Your changes are saved."))
            return redirect(_post_url(post))
    return render(
        request, "community/groups/post_edit.html", {"group": group, "post": post, "form": form}
    )


@require_POST
@login_required
def post_delete(request, slug: str, post_id: int):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    post = post_selectors.get_post_or_404(group=group, viewer=request.user, post_id=post_id)
    check_edit_post(user=request.user, post=post)
    if response := ask_first(
        request,
        heading=_("Delete this post?"),
        consequences=[
            _("The post leaves the thread; a note that it was deleted stays in its place."),
            _("Replies to it stay. Deleting cannot be undone."),
        ],
        confirm_label=_("Delete post"),
        cancel_url=reverse("post_edit", args=[group.slug, post.pk]),
    ):
        return response
    post_services.delete_post(actor=request.user, post=post)
    messages.success(request, _("Your post is deleted."))
    return redirect(_post_url(post))


@require_POST
@login_required
def post_react(request, slug: str, post_id: int):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    post = post_selectors.get_post_or_404(group=group, viewer=request.user, post_id=post_id)
    try:
        post_services.toggle_reaction(
            user=request.user, post=post, kind=request.POST.get("kind", "")
        )
    except GroupError as error:
        messages.error(request, error.message)
    return redirect(_post_url(post))


@login_required
def post_history(request, slug: str, post_id: int):
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    if response := moderator_gate(request, group):
        return response
    post = post_selectors.get_post_or_404(group=group, viewer=request.user, post_id=post_id)
    post_selectors.decorate_posts(posts=[post], viewer=request.user, with_reactions=False)
    return render(
        request,
        "community/groups/post_history.html",
        {"group": group, "post": post, "revisions": post_selectors.post_revisions(post=post)},
    )
