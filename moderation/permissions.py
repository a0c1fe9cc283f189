"""Who may do what in moderation/. Checks raise PermissionDenied, or Http404 where the thing's
existence must stay hidden (a member who is not a moderator of it learns nothing).

The reviewer rule — who may review a flagged item or decide an appeal — lives here once, as
`_may_review`; the queue, the appeals list, the checks behind every decision and the live
alerts all ask it.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from community.models import Membership, Profile, User
from community.permissions import tool_view
from community.selectors.groups import is_group_moderator
from messaging.models import Conversation
from moderation.flaggables import is_anonymous_item
from moderation.models import Appeal, ReviewItem, Sanction

MODERATOR_ROLES = (Membership.Role.MODERATOR, Membership.Role.OWNER)


def moderated_group_ids(user) -> set[int] | None:
    """The groups `user` moderates; None means every group (a site moderator)."""
    if user.is_site_moderator:
        return None
    return set(
        Membership.objects.filter(
            user_id=user.pk, state=Membership.State.ACTIVE, role__in=MODERATOR_ROLES
        ).values_list("group_id", flat=True)
    )


def can_moderate_group(user, group_id: int | None) -> bool:
    if user.is_site_moderator:
        return True
    if group_id is None:
        return False  # direct messages and profiles: site moderators only
    return is_group_moderator(user=user, group_id=group_id)


def can_see_flaggers(user) -> bool:
    """Only site moderators see who flagged (DESIGN.md invariant 7)."""
    return bool(user.is_authenticated and user.is_site_moderator)


def check_is_moderator(*, user) -> None:
    """The dashboard exists only for moderators, and for staff, to whom what no moderator may
    review falls: 404 for everybody else."""
    if not user.is_authenticated:
        raise Http404
    if user.is_site_moderator or user.is_staff:
        return
    if not moderated_group_ids(user):
        raise Http404


# Moderator pages: 404 for anyone who moderates nothing, then two-factor required.
moderator_view = tool_view(check_is_moderator)


def check_moderate_group(user, group_id: int | None) -> None:
    if not can_moderate_group(user, group_id):
        raise Http404


# --- The reviewer rule ------------------------------------------------------------------


def _without(users: QuerySet, excluded_ids) -> QuerySet:
    for excluded in excluded_ids:
        # An outer reference may be NULL (a deleted account): it then excludes nobody.
        users = users.exclude(pk=Coalesce(excluded, Value(0)))
    return users


def _moderators(*, group_id, excluded_ids) -> QuerySet:
    """Active site moderators, and the active moderators and owner of `group_id` (None: a
    matter for site moderators only), but none of `excluded_ids`."""
    eligible = Q(is_site_moderator=True)
    if group_id is not None:
        eligible |= Q(
            memberships__group_id=group_id,
            memberships__state=Membership.State.ACTIVE,
            memberships__role__in=MODERATOR_ROLES,
        )
    return _without(User.objects.filter(eligible, is_active=True), excluded_ids)


def _may_review(*, reviewer, group_id, excluded_ids) -> Q:
    """The reviewer rule. Who may review something or decide on it: the moderators of its
    group and the site moderators, never a person it is about (`excluded_ids`: the author of
    flagged content; the sanctioned member and whoever imposed the sanction). When no such
    moderator exists, it falls to staff, so nothing waits for no one.

    Arguments are values or references to the row being asked about (OuterRef), so one
    condition serves both questions: who may review this item, and which items this person
    may review."""
    moderators = _moderators(group_id=group_id, excluded_ids=excluded_ids)
    staff = _without(User.objects.filter(is_staff=True, is_active=True), excluded_ids)
    return Exists(moderators.filter(pk=reviewer)) | (
        ~Exists(moderators) & Exists(staff.filter(pk=reviewer))
    )


def _item_rule(*, reviewer, item: ReviewItem | None = None) -> Q:
    if item is None:  # asked of every item in a queryset
        return _may_review(
            reviewer=reviewer, group_id=OuterRef("group_id"), excluded_ids=[OuterRef("author_id")]
        )
    return _may_review(reviewer=reviewer, group_id=item.group_id, excluded_ids=[item.author_id])


def item_reviewers(*, item: ReviewItem) -> QuerySet:
    """Everyone who may review `item` (the live alert goes to them)."""
    return User.objects.filter(_item_rule(reviewer=OuterRef("pk"), item=item))


def items_reviewable_by(*, viewer, items: QuerySet) -> QuerySet:
    return items.filter(_item_rule(reviewer=viewer.pk))


def check_review_item(user, item: ReviewItem) -> None:
    if not items_reviewable_by(viewer=user, items=ReviewItem.objects.filter(pk=item.pk)).exists():
        raise Http404


def sanction_scope_group_id(sanction: Sanction) -> int | None:
    """Whose moderators may see a sanction: its group's, or with None site moderators' only
    (a suspension, a site-wide warning, anything imposed through an anonymous post, decision
    0012). Its audit rows are filed under this group; `sanction_scope_group` is the same rule
    in SQL."""
    return None if sanction.is_anonymous else sanction.group_id


def sanction_scope_group(path: str = "") -> Case:
    """`sanction_scope_group_id` as an expression; `path` leads from the query's model to
    the sanction ("sanction__" from an appeal)."""
    return Case(
        When(**{f"{path}is_anonymous": True}, then=Value(None)), default=F(f"{path}group_id")
    )


def appeals_decidable_by(*, viewer, appeals: QuerySet) -> QuerySet:
    return appeals.alias(scope_group_id=sanction_scope_group("sanction__")).filter(
        _may_review(
            reviewer=viewer.pk,
            group_id=OuterRef("scope_group_id"),
            excluded_ids=[OuterRef("sanction__created_by_id"), OuterRef("sanction__user_id")],
        )
    )


def can_see_sanctioned_member(viewer, sanction: Sanction) -> bool:
    """Who a sanction names: an anonymous post's author only to site moderators (0012), so
    staff deciding such an appeal, when it falls to them, read it without the name."""
    return viewer.is_site_moderator or not sanction.is_anonymous


def check_decide_appeal(user, appeal: Appeal) -> None:
    if appeal.sanction.created_by_id == user.pk:
        # The person who decided the sanction never judges its appeal (they know of it).
        raise PermissionDenied
    appeals = Appeal.objects.filter(pk=appeal.pk)
    if not appeals_decidable_by(viewer=user, appeals=appeals).exists():
        raise Http404


# --- Sanctions and rooms ----------------------------------------------------------------


def check_sanction_member(
    user, *, kind: str, group_id: int | None, target_id: int, protect_owner: bool = True
) -> None:
    """`protect_owner=False` only through an anonymous post: there a refusal because the
    author owns the group would name them (decision 0012)."""
    if target_id == user.pk:
        raise PermissionDenied
    if kind == Sanction.Kind.SUSPEND:
        if not user.is_site_moderator:
            raise PermissionDenied
        return
    if kind == Sanction.Kind.WARN and group_id is None:
        if not user.is_site_moderator:
            raise PermissionDenied
        return
    if group_id is None:
        raise PermissionDenied
    check_moderate_group(user, group_id)
    if protect_owner and kind in (Sanction.Kind.REMOVE, Sanction.Kind.BAN):
        _check_not_removing_owner(user, group_id=group_id, target_id=target_id)


def _check_not_removing_owner(user, *, group_id: int, target_id: int) -> None:
    if user.is_site_moderator:
        return
    membership = Membership.objects.filter(group_id=group_id, user_id=target_id).first()
    if membership is not None and membership.role == Membership.Role.OWNER:
        raise PermissionDenied(_("Only a site moderator can remove a group's owner."))


def get_member_profile_for_moderator_or_404(*, viewer, public_id: str) -> Profile:
    """A member's moderation page: site moderators see anyone; group moderators only members
    (in any state) of a group they moderate."""
    profile = get_object_or_404(Profile.objects.select_related("user"), public_id=public_id)
    if viewer.is_site_moderator:
        return profile
    if not Membership.objects.filter(
        user_id=profile.user_id, group_id__in=moderated_group_ids(viewer)
    ).exists():
        raise Http404
    return profile


def get_item_for_sanction(*, viewer, item_id: str, target_user_id: int) -> ReviewItem | None:
    """The review item a sanction on a member's page refers to, or None. An item that is not
    the member's, or (for anyone but a site moderator) one about an anonymous post, is dropped
    silently: refusing would confirm that this member wrote the anonymous post."""
    if not item_id or not item_id.isdigit():
        return None
    item = ReviewItem.objects.filter(pk=int(item_id), author_id=target_user_id).first()
    if item is not None and not viewer.is_site_moderator and is_anonymous_item(item):
        return None
    return item


def can_see_item_author(viewer, item: ReviewItem) -> bool:
    """Who wrote an item's content: an anonymous post's author only to site moderators."""
    return item.author_id is not None and (viewer.is_site_moderator or not is_anonymous_item(item))


def can_sanction_item_author(viewer, item: ReviewItem) -> bool:
    """Whether the item page offers to act on its author: to moderators of its group who may
    see who it is (staff reviewing what fell to them do not sanction)."""
    return can_moderate_group(viewer, item.group_id) and can_see_item_author(viewer, item)


def check_control_room(user, conversation) -> None:
    if conversation.kind != "room" or conversation.group_id is None:
        raise Http404
    check_moderate_group(user, conversation.group_id)


def get_room_for_controller_or_404(*, user, group_id: int) -> Conversation:
    conversation = (
        Conversation.objects.select_related("group")
        .filter(kind=Conversation.Kind.ROOM, group_id=group_id)
        .first()
    )
    if conversation is None:
        raise Http404
    check_control_room(user, conversation)
    return conversation
