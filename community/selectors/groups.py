from community.models import Group, Membership


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
