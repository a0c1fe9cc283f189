from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Group, GroupInvite, Membership, Tag
from community.sanitize import plain_excerpt


def get_membership(*, user, group: Group) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, group=group).first()


def is_active_member(*, user_id: int, group_id: int) -> bool:
    return Membership.objects.filter(
        user_id=user_id, group_id=group_id, state=Membership.State.ACTIVE
    ).exists()


def is_group_moderator(*, user, group_id: int) -> bool:
    """Group moderators and owners of this group, and site moderators everywhere."""
    if getattr(user, "is_site_moderator", False):
        return True
    return Membership.objects.filter(
        user_id=user.pk,
        group_id=group_id,
        state=Membership.State.ACTIVE,
        role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
    ).exists()


# --- Directory, group pages and invites (issue 3) ---------------------------------------

DIRECTORY_PAGE_SIZE = 20


def member_count_label(count: int) -> str:
    """A count that cannot single anyone out: small groups get a range, bigger ones a
    rounded floor, so one person joining or leaving rarely changes what is shown."""
    if count < 10:
        return _("fewer than 10 members")
    return _("%(count)s+ members") % {"count": count - count % 10}


def directory_groups(*, query: str = "", tag: str = ""):
    """Listed, active groups matching a name/tag search and an optional topic filter, with
    their active member count and tags: a fixed number of queries per page."""
    groups = Group.objects.filter(status=Group.Status.ACTIVE, visibility=Group.Visibility.LISTED)
    query = query.strip()
    if query:
        groups = groups.filter(Q(name__icontains=query) | Q(tags__name__icontains=query))
    if tag:
        groups = groups.filter(tags__name__iexact=tag)
    # Filtering through tags can repeat a group; filter ids first so the count stays exact.
    return (
        Group.objects.filter(pk__in=groups.values("pk"))
        .annotate(
            active_member_count=Count(
                "memberships", filter=Q(memberships__state=Membership.State.ACTIVE)
            )
        )
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("name", "pk")
    )


DESCRIPTION_EXCERPT_LENGTH = 180


def directory_page(
    *, query: str = "", tag: str = "", page_number, member_group_ids=frozenset()
) -> Page:
    """One page of `directory_groups`, each group with what its card shows: the
    `member_count_label`, a plain-text `description_excerpt`, and `is_viewer_member` (from
    `member_group_ids`, the viewer's active groups, which the caller has already read)."""
    page = Paginator(directory_groups(query=query, tag=tag), DIRECTORY_PAGE_SIZE).get_page(
        page_number
    )
    for group in page.object_list:
        group.member_count_label = member_count_label(group.active_member_count)
        group.description_excerpt = plain_excerpt(
            group.description, length=DESCRIPTION_EXCERPT_LENGTH
        )
        group.is_viewer_member = group.pk in member_group_ids
    return page


def directory_tags():
    """Topics used by at least one listed, active group."""
    return (
        Tag.objects.filter(
            groups__status=Group.Status.ACTIVE, groups__visibility=Group.Visibility.LISTED
        )
        .distinct()
        .order_by("name")
    )


def active_member_count(*, group_id: int) -> int:
    return Membership.objects.filter(group_id=group_id, state=Membership.State.ACTIVE).count()


def get_membership_in_group_or_404(*, group: Group, membership_id: int) -> Membership:
    """A membership (any state) of `group`, which the caller has already checked the viewer
    may manage; 404 for an id of another group's."""
    membership = Membership.objects.filter(pk=membership_id, group=group).first()
    if membership is None:
        raise Http404
    return membership


def pending_join_requests(*, group: Group):
    return (
        Membership.objects.filter(group=group, state=Membership.State.PENDING)
        .select_related("user__profile")
        .order_by("created_at", "pk")
    )


def member_groups(*, user_id: int):
    """The active groups `user_id` belongs to, for their dashboard and nav."""
    return Group.objects.filter(
        memberships__user_id=user_id,
        memberships__state=Membership.State.ACTIVE,
        status=Group.Status.ACTIVE,
    ).order_by("name")


def get_invite_in_group_or_404(*, group: Group, invite_id: int) -> GroupInvite:
    invite = GroupInvite.objects.filter(pk=invite_id, group=group).first()
    if invite is None:
        raise Http404
    return invite


def group_invites(*, group: Group):
    return GroupInvite.objects.filter(group=group).order_by("-created_at")


def get_usable_invite(*, token: str) -> GroupInvite | None:
    invite = (
        GroupInvite.objects.select_related("group")
        .filter(token=token, group__status=Group.Status.ACTIVE)
        .first()
    )
    if invite is None or not invite.is_usable(now=timezone.now()):
        return None
    return invite


def get_group(*, group_id: int) -> Group:
    """A fresh copy of a group the caller already holds, e.g. for a form to change so that a
    rejected change never shows up half-applied on the caller's instance."""
    return Group.objects.get(pk=group_id)


def get_proposed_group_or_404(*, slug: str) -> Group:
    group = Group.objects.filter(slug=slug, status=Group.Status.PROPOSED).first()
    if group is None:
        raise Http404
    return group


def proposed_groups():
    return (
        Group.objects.filter(status=Group.Status.PROPOSED)
        .select_related("created_by__profile")
        .prefetch_related("tags")
        .order_by("created_at", "pk")
    )


MEMBERS_PAGE_SIZE = 50


def active_members(*, group: Group):
    """Active members with their profiles, for the group's owner to appoint moderators."""
    return (
        Membership.objects.filter(group=group, state=Membership.State.ACTIVE)
        .select_related("user__profile")
        .order_by("user__profile__pseudonym", "pk")
    )


def members_page(*, group: Group, page_number) -> Page:
    return Paginator(active_members(group=group), MEMBERS_PAGE_SIZE).get_page(page_number)
