"""Who may do what in moderation/. Checks raise PermissionDenied, or Http404 where the thing's
existence must stay hidden (a member who is not a moderator of it learns nothing)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from community.models import Membership
from community.permissions import require_mfa
from community.selectors.groups import is_group_moderator
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


def check_is_moderator(user) -> None:
    """The dashboard exists only for moderators: 404 for everybody else."""
    if not user.is_authenticated:
        raise Http404
    if user.is_site_moderator:
        return
    if not moderated_group_ids(user):
        raise Http404


def moderator_view(view):
    """Moderator pages: 404 for anyone who moderates nothing, then two-factor required."""
    guarded = require_mfa(view)

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        check_is_moderator(request.user)
        return guarded(request, *args, **kwargs)

    return wrapper


def check_moderate_group(user, group_id: int | None) -> None:
    if not can_moderate_group(user, group_id):
        raise Http404


def check_review_item(user, item: ReviewItem) -> None:
    check_moderate_group(user, item.group_id)


def check_sanction_member(user, *, kind: str, group_id: int | None, target_id: int) -> None:
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


def check_decide_appeal(user, appeal: Appeal) -> None:
    sanction = appeal.sanction
    # A sanction from an anonymous post names its author: site moderators only (0012).
    if sanction.kind == Sanction.Kind.SUSPEND or sanction.group_id is None or sanction.is_anonymous:
        if not user.is_site_moderator:
            raise Http404
    else:
        check_moderate_group(user, sanction.group_id)
    if sanction.created_by_id == user.pk:
        # The person who decided the sanction never judges its appeal.
        raise PermissionDenied


def check_control_room(user, conversation) -> None:
    if conversation.kind != "room" or conversation.group_id is None:
        raise Http404
    check_moderate_group(user, conversation.group_id)
