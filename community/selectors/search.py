"""Search source for group posts: thread titles, posts and replies in the viewer's groups.

The rules are the thread pages' own (community/selectors/posts.py `_visible_posts`): only
groups the viewer is an active member of; "since joining" history for non-moderators; authors
the viewer blocked or muted left out, unless the post is anonymous (leaving it out would tell
who wrote it); deleted and hidden posts never match. A reply also needs its thread to be
readable: not deleted, not hidden, not by a hidden author, not from before the viewer joined.
"""

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from community.models import Group, Membership, Post
from community.permissions import can_see_anonymous_author
from community.restrictions import hidden_author_ids
from community.search import (
    SearchHit,
    SearchSource,
    excerpt,
    matching,
    ranked_keys,
)
from community.selectors.posts import REPLIES_PAGE_SIZE

SOURCE = "posts"
_COLUMNS = ["title", "body", "content_warning"]


def _readable_posts(*, viewer):
    """Posts `viewer` may read in search (tombstones excluded)."""
    memberships = Membership.objects.filter(
        user_id=viewer.pk, state=Membership.State.ACTIVE, group__status=Group.Status.ACTIVE
    ).values_list("group_id", "role", "joined_at", "group__history_policy")
    readable = Q(pk__in=[])
    moderator_roles = {Membership.Role.MODERATOR, Membership.Role.OWNER}
    for group_id, role, joined_at, history_policy in memberships:
        in_group = Q(group_id=group_id)
        if (
            history_policy == Group.HistoryPolicy.SINCE_JOINING
            and role not in moderator_roles
            and not getattr(viewer, "is_site_moderator", False)
            and joined_at is not None
        ):
            in_group &= Q(created_at__gte=joined_at) & (
                Q(thread__isnull=True) | Q(thread__created_at__gte=joined_at)
            )
        readable |= in_group
    posts = Post.objects.filter(readable, deleted_at__isnull=True, hidden_at__isnull=True).filter(
        Q(thread__isnull=True) | Q(thread__deleted_at__isnull=True, thread__hidden_at__isnull=True)
    )
    hidden = hidden_author_ids(viewer_id=viewer.pk)
    if hidden:
        posts = posts.exclude(Q(author_id__in=hidden) & Q(is_anonymous=False)).exclude(
            Q(thread__author_id__in=hidden) & Q(thread__is_anonymous=False)
        )
    return posts


def ranked(*, viewer, terms):
    posts = matching(
        _readable_posts(viewer=viewer), table="community_post", columns=_COLUMNS, terms=terms
    )
    return ranked_keys(posts, source=SOURCE)


def hits(*, viewer, pks, terms) -> dict[int, SearchHit]:
    """One query: the posts with their group, thread and author, and each reply's place in
    its thread (for the link to the page that holds it)."""
    earlier_replies = (
        Post.objects.filter(thread_id=OuterRef("thread_id"), pk__lte=OuterRef("pk"))
        .order_by()
        .values("thread_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    posts = (
        Post.objects.filter(pk__in=pks)
        .select_related("group", "thread", "author__profile")
        .annotate(position=Coalesce(Subquery(earlier_replies), 0))
    )
    sees_anonymous = can_see_anonymous_author(user=viewer)
    found = {}
    for post in posts:
        if post.is_anonymous and not sees_anonymous:
            author = _("Anonymous member")
        elif post.author_id and hasattr(post.author, "profile"):
            author = post.author.profile.pseudonym
        else:
            author = None
        if post.thread_id is None:
            url = reverse("thread_detail", args=[post.group.slug, post.pk])
            kind, title = "thread", post.title
        else:
            page_number = (post.position - 1) // REPLIES_PAGE_SIZE + 1
            path = reverse("thread_detail", args=[post.group.slug, post.thread_id])
            url = f"{path}?page={page_number}#post-{post.pk}"
            kind, title = "reply", post.thread.title
        found[post.pk] = SearchHit(
            kind=kind,
            place=post.group.name,
            title=title,
            author=author,
            created_at=post.created_at,
            url=url,
            excerpt=excerpt(post.body, terms=terms),
            content_warning=post.content_warning,
        )
    return found


POSTS_SOURCE = SearchSource(name=SOURCE, ranked=ranked, hits=hits)
