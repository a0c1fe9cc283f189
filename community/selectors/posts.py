"""Reading posts: the group's thread list, a thread with its replies, edit history.

Each page costs a fixed number of queries, whatever the number of rows: authors come with
select_related, reactions for a whole page are counted in one query.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from community.models import Group, Post, PostRevision, Reaction, ThreadVisit
from community.permissions import can_see_anonymous_author, is_group_moderator_for
from community.restrictions import hidden_author_ids
from community.sanitize import plain_excerpt

THREADS_PAGE_SIZE = 20
THREAD_EXCERPT_LENGTH = 160
# A thread the member never opened is "New" while it has had activity this recently: older
# ones are not news, and a group's whole past must not light up for a newcomer (or for
# everyone on the day read state began to be kept).
NEW_THREAD_WINDOW = timedelta(days=14)
REPLIES_PAGE_SIZE = 30


@dataclass(frozen=True)
class ReactionCount:
    kind: str
    label: str
    count: int
    mine: bool


def _visible_posts(*, group: Group, viewer):
    """Posts in `group` that `viewer` may see at all (tombstones included)."""
    posts = Post.objects.filter(group=group)
    membership = getattr(group, "viewer_membership", None)
    if (
        group.history_policy == Group.HistoryPolicy.SINCE_JOINING
        and not is_group_moderator_for(user=viewer, group=group)
        and membership is not None
        and membership.joined_at is not None
    ):
        posts = posts.filter(created_at__gte=membership.joined_at)
    hidden = hidden_author_ids(viewer_id=viewer.pk)
    if hidden:
        # Anonymous posts stay: if they vanished for someone who blocked their author,
        # that person would learn who wrote them.
        posts = posts.exclude(Q(author_id__in=hidden) & Q(is_anonymous=False))
    return posts


def thread_list_page(*, group: Group, viewer, page_number) -> Page:
    """One page of the group's threads, pinned first, then by last activity. Each thread
    carries, for this viewer: `excerpt` (plain text of the opening post; empty when it is
    deleted, hidden or behind a content warning), `seen_at` (when they last opened it, or
    None) and `new_reply_count` (replies they may see, by others, since then), besides what
    `decorate_posts` sets. The read state is the viewer's own: it only ever marks their list.
    Two queries (count, page) whatever the number of threads."""
    visible = _visible_posts(group=group, viewer=viewer)
    visit = ThreadVisit.objects.filter(user_id=viewer.pk, thread_id=OuterRef("pk")).values(
        "seen_at"
    )[:1]
    # The author has seen their thread as they wrote it, visit or not.
    seen_at = Coalesce(
        Subquery(visit),
        Case(When(author_id=viewer.pk, then=F("created_at"))),
        output_field=DateTimeField(),
    )
    new_replies = (
        visible.filter(
            thread_id=OuterRef("pk"),
            created_at__gt=OuterRef("seen_at"),
            deleted_at__isnull=True,
            hidden_at__isnull=True,
        )
        .exclude(author_id=viewer.pk)
        .order_by()
        .values("thread_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    threads = (
        visible.filter(thread__isnull=True)
        .select_related("author__profile")
        .annotate(seen_at=seen_at)
        .annotate(
            new_reply_count=Coalesce(
                Subquery(new_replies, output_field=IntegerField()), 0, output_field=IntegerField()
            )
        )
        .order_by(F("pinned_at").desc(nulls_last=True), "-last_activity_at", "-pk")
    )
    page = Paginator(threads, THREADS_PAGE_SIZE).get_page(page_number)
    decorate_posts(posts=page.object_list, viewer=viewer, with_reactions=False)
    news_since = timezone.now() - NEW_THREAD_WINDOW
    for thread in page.object_list:
        shows_text = not (thread.deleted_at or thread.hidden_at or thread.content_warning)
        thread.excerpt = (
            plain_excerpt(thread.body, length=THREAD_EXCERPT_LENGTH) if shows_text else ""
        )
        thread.is_new_to_viewer = (
            thread.seen_at is None and not thread.is_own and thread.last_activity_at >= news_since
        )
    return page


def get_thread_or_404(*, group: Group, viewer, thread_id: int) -> Post:
    thread = (
        _visible_posts(group=group, viewer=viewer)
        .filter(pk=thread_id, thread__isnull=True)
        .select_related("author__profile")
        .first()
    )
    if thread is None:
        raise Http404
    thread.group = group  # the caller's instance, which knows the viewer's membership
    return thread


def get_post_or_404(*, group: Group, viewer, post_id: int) -> Post:
    post = (
        _visible_posts(group=group, viewer=viewer)
        .filter(pk=post_id)
        .select_related("author__profile", "thread")
        .first()
    )
    if post is None:
        raise Http404
    post.group = group  # the caller's instance, which knows the viewer's membership
    return post


def reply_url(*, thread: Post, reply_id: int, position: int) -> str:
    """Link to a reply on the thread page that holds it; `position` counts from 1."""
    page_number = (position - 1) // REPLIES_PAGE_SIZE + 1
    path = reverse("thread_detail", args=[thread.group.slug, thread.pk])
    return f"{path}?page={page_number}#post-{reply_id}"


def reply_page(*, thread: Post, viewer, page_number) -> Page:
    replies = (
        _visible_posts(group=thread.group, viewer=viewer)
        .filter(thread=thread)
        .select_related("author__profile")
        .order_by("pk")
    )
    page = Paginator(replies, REPLIES_PAGE_SIZE).get_page(page_number)
    decorate_posts(posts=[thread, *page.object_list], viewer=viewer, with_reactions=True)
    return page


def decorate_posts(*, posts, viewer, with_reactions: bool) -> None:
    """Sets what a template may show about each post for this viewer:
    `shown_profile` (None when the author is hidden behind "Anonymous member" or gone),
    `is_own`, and `reaction_counts` (counts only: who reacted is never listed)."""
    posts = list(posts)
    sees_anonymous = can_see_anonymous_author(user=viewer)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    mine: set[tuple[int, str]] = set()
    if with_reactions and posts:
        ids = [post.pk for post in posts]
        for row in (
            Reaction.objects.filter(post_id__in=ids)
            .values("post_id", "kind")
            .annotate(total=Count("pk"))
            .order_by()
        ):
            counts[row["post_id"]][row["kind"]] = row["total"]
        mine = set(
            Reaction.objects.filter(post_id__in=ids, user_id=viewer.pk).values_list(
                "post_id", "kind"
            )
        )
    for post in posts:
        author = post.author if post.author_id else None
        post.is_own = post.author_id is not None and post.author_id == viewer.pk
        post.shown_profile = (
            author.profile if author and (not post.is_anonymous or sees_anonymous) else None
        )
        post.author_revealed_to_site_moderator = post.is_anonymous and sees_anonymous
        if with_reactions:
            post.reaction_counts = [
                ReactionCount(
                    kind=kind,
                    label=label,
                    count=counts[post.pk].get(kind, 0),
                    mine=(post.pk, kind) in mine,
                )
                for kind, label in Reaction.Kind.choices
            ]


def post_revisions(*, post: Post):
    return PostRevision.objects.filter(post=post).order_by("-pk")
