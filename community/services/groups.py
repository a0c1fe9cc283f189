"""Changing groups and memberships: proposals, joining, requests, invites, leaving, removal."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community import events
from community.events import notify_member
from community.models import Group, GroupInvite, Membership, Tag
from community.permissions import (
    check_decide_group_proposals,
    check_manage_group,
    check_moderate_group,
)


class GroupError(Exception):
    """A domain refusal the view shows to the person as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _set_tags(*, group: Group, tag_names: list[str]) -> None:
    tags = []
    for name in tag_names:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        tags.append(tag)
    group.tags.set(tags)


def _make_owner(*, group: Group, user_id: int) -> Membership:
    now = timezone.now()
    membership, _created = Membership.objects.update_or_create(
        group=group,
        user_id=user_id,
        defaults={
            "role": Membership.Role.OWNER,
            "state": Membership.State.ACTIVE,
            "rules_accepted_at": now,
            "joined_at": now,
            "updated_at": now,
        },
    )
    return membership


def propose_group(
    *,
    proposer,
    name: str,
    description: str,
    rules: str,
    visibility: str,
    join_policy: str,
    history_policy: str,
    tag_names: list[str],
) -> Group:
    """A member proposes a group for staff to review. Staff create it directly, as owner.

    Proposers accept the code of conduct in the form; they become owner on approval.
    """
    with transaction.atomic():
        group = Group.objects.create(
            name=name,
            description=description,
            rules=rules,
            visibility=visibility,
            join_policy=join_policy,
            history_policy=history_policy,
            status=Group.Status.ACTIVE if proposer.is_staff else Group.Status.PROPOSED,
            created_by=proposer,
        )
        _set_tags(group=group, tag_names=tag_names)
        if proposer.is_staff:
            _make_owner(group=group, user_id=proposer.pk)
            events.publish(events.GroupOpened(group=group))
    return group


def decide_group_proposal(*, actor, group: Group, approve: bool, reason: str = "") -> Group:
    check_decide_group_proposals(user=actor)
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=group.pk)
        if group.status != Group.Status.PROPOSED:
            raise GroupError(_("This proposal was already decided."))
        group.status = Group.Status.ACTIVE if approve else Group.Status.DECLINED
        group.decision_reason = reason
        group.decided_at = timezone.now()
        group.save(update_fields=["status", "decision_reason", "decided_at"])
        if approve:
            events.publish(events.GroupOpened(group=group))
        if group.created_by_id:
            if approve:
                _make_owner(group=group, user_id=group.created_by_id)
                url = reverse("group_detail", args=[group.slug])
            else:
                url = ""

            def text():
                if approve:
                    told = _("Your proposed group “%(name)s” was approved.") % {"name": group.name}
                else:
                    told = _("Your proposed group “%(name)s” was declined.") % {"name": group.name}
                return f"{told} {_('Reason:')} {reason}" if reason else told

            notify_member(
                recipient_id=group.created_by_id, kind="group_proposal", text=text, url=url
            )
    return group


def join_group(*, user, group: Group, accepted_rules: bool) -> Membership:
    """Joins an open group, or asks to join a request-only group. Invite-only groups need
    an invite (join_group_by_invite)."""
    if not accepted_rules:
        raise GroupError(_("Please accept the code of conduct and the group rules to join."))
    if group.join_policy == Group.JoinPolicy.INVITE:
        raise GroupError(_("This group is by invitation only."))
    state = (
        Membership.State.ACTIVE
        if group.join_policy == Group.JoinPolicy.OPEN
        else Membership.State.PENDING
    )
    with transaction.atomic():
        membership, changed = _enter_group(user=user, group=group, state=state)
        if changed and membership.state == Membership.State.PENDING:
            _tell_moderators_about_request(group=group)
    return membership


def _tell_moderators_about_request(*, group: Group) -> None:
    moderator_ids = Membership.objects.filter(
        group=group,
        state=Membership.State.ACTIVE,
        role__in=[Membership.Role.MODERATOR, Membership.Role.OWNER],
    ).values_list("user_id", flat=True)
    for moderator_id in moderator_ids:
        notify_member(
            recipient_id=moderator_id,
            kind="join_request_received",
            text=lambda: _("Someone asked to join “%(name)s”.") % {"name": group.name},
            url=reverse("group_requests", args=[group.slug]),
        )


def _enter_group(*, user, group: Group, state: str) -> tuple[Membership, bool]:
    """The membership in `state`, and whether it changed (False: already there)."""
    now = timezone.now()
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            group=group,
            user=user,
            defaults={
                "state": state,
                "rules_accepted_at": now,
                "updated_at": now,
                "joined_at": now if state == Membership.State.ACTIVE else None,
            },
        )
        if created:
            return membership, True
        if membership.state == Membership.State.BANNED:
            raise GroupError(_("You cannot join this group."))
        if membership.state == Membership.State.ACTIVE:
            return membership, False
        if membership.state == Membership.State.PENDING and state == Membership.State.PENDING:
            return membership, False
        membership.state = state
        membership.role = Membership.Role.MEMBER
        membership.rules_accepted_at = now
        membership.joined_at = now if state == Membership.State.ACTIVE else None
        membership.updated_at = now
        membership.save(
            update_fields=["state", "role", "rules_accepted_at", "joined_at", "updated_at"]
        )
    return membership, True


def join_group_by_invite(*, user, token: str, accepted_rules: bool) -> Membership:
    """Uses one use of a valid invite. A banned member stays out, invite or not."""
    if not accepted_rules:
        raise GroupError(_("Please accept the code of conduct and the group rules to join."))
    with transaction.atomic():
        invite = (
            GroupInvite.objects.select_for_update()
            .select_related("group")
            .filter(token=token, group__status=Group.Status.ACTIVE)
            .first()
        )
        if invite is None or not invite.is_usable():
            raise GroupError(_("This invite link has expired or is no longer valid."))
        membership, changed = _enter_group(
            user=user, group=invite.group, state=Membership.State.ACTIVE
        )
        if changed:  # an active member opening the link again uses nothing up
            GroupInvite.objects.filter(pk=invite.pk).update(use_count=F("use_count") + 1)
    return membership


def decide_join_request(
    *, actor, membership: Membership, approve: bool, reason: str = ""
) -> Membership:
    check_moderate_group(user=actor, group=membership.group)
    group = membership.group
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.state != Membership.State.PENDING:
            raise GroupError(_("This request was already decided."))
        now = timezone.now()
        if approve:
            membership.state = Membership.State.ACTIVE
            membership.joined_at = now
            url = reverse("group_detail", args=[group.slug])
        else:
            # Declined requests leave no trace of a membership; the person may ask again.
            membership.state = Membership.State.LEFT
            url = ""

        def text():
            if approve:
                told = _("Your request to join “%(name)s” was approved.") % {"name": group.name}
            else:
                told = _("Your request to join “%(name)s” was declined.") % {"name": group.name}
            return f"{told} {_('Reason:')} {reason}" if reason else told

        membership.updated_at = now
        membership.save(update_fields=["state", "joined_at", "updated_at"])
        notify_member(recipient_id=membership.user_id, kind="join_request", text=text, url=url)
    return membership


def leave_group(*, user, group: Group) -> None:
    with transaction.atomic():
        updated = Membership.objects.filter(
            group=group, user=user, state__in=[Membership.State.ACTIVE, Membership.State.PENDING]
        ).update(
            state=Membership.State.LEFT, role=Membership.Role.MEMBER, updated_at=timezone.now()
        )
        if updated:
            events.publish(events.MembershipEnded(group_id=group.pk, user_id=user.pk))


def end_membership(*, group_id: int, user_id: int, ban: bool) -> bool:
    """Removes (`ban=False`: they may ask to join again) or bans a member. The one place a
    membership is ended by someone else: the member goes back to the plain member role and
    `MembershipEnded` closes their room sockets. Who may do it is the caller's to decide
    (moderation's sanctions). A ban holds even for someone who was not a member; removing
    someone who is not an active member changes nothing. Returns whether anything changed."""
    state = Membership.State.BANNED if ban else Membership.State.REMOVED
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(group_id=group_id, user_id=user_id)
            .first()
        ) or Membership(group_id=group_id, user_id=user_id)
        if membership.state == state:
            return False
        if not ban and membership.state != Membership.State.ACTIVE:
            return False
        membership.state = state
        membership.role = Membership.Role.MEMBER
        membership.updated_at = timezone.now()
        membership.save()
        events.publish(events.MembershipEnded(group_id=group_id, user_id=user_id))
    return True


def restore_membership(*, group_id: int, user_id: int) -> bool:
    """Undoes `end_membership` (an appeal granted, a timed ban over): an active member again,
    with the plain member role. Returns whether anything changed."""
    with transaction.atomic():
        restored = Membership.objects.filter(
            group_id=group_id,
            user_id=user_id,
            state__in=[Membership.State.REMOVED, Membership.State.BANNED],
        ).update(state=Membership.State.ACTIVE, updated_at=timezone.now())
        if restored:
            events.publish(events.MemberAccessChanged(user_id=user_id))
    return bool(restored)


def create_invite(*, actor, group: Group, valid_hours: int, max_uses: int) -> GroupInvite:
    check_moderate_group(user=actor, group=group)
    return GroupInvite.objects.create(
        group=group,
        created_by=actor,
        expires_at=timezone.now() + timedelta(hours=valid_hours),
        max_uses=max_uses,
    )


def revoke_invite(*, actor, invite: GroupInvite) -> GroupInvite:
    check_moderate_group(user=actor, group=invite.group)
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at"])
    return invite


def update_group(
    *,
    actor,
    group: Group,
    name: str,
    description: str,
    rules: str,
    visibility: str,
    join_policy: str,
    history_policy: str,
    tag_names: list[str],
) -> Group:
    check_manage_group(user=actor, group=group)
    with transaction.atomic():
        group.name = name
        group.description = description
        group.rules = rules
        group.visibility = visibility
        group.join_policy = join_policy
        group.history_policy = history_policy
        group.save(
            update_fields=[
                "name",
                "description",
                "rules",
                "visibility",
                "join_policy",
                "history_policy",
            ]
        )
        _set_tags(group=group, tag_names=tag_names)
    return group


def set_watched_words(*, actor, group: Group, watched_words: str) -> Group:
    """A group moderator's list of words the "before you send" check warns on in this group.
    Open sockets use it from their next access check (at most ACCESS_TTL, 30 seconds)."""
    check_moderate_group(user=actor, group=group)
    group.watched_words = watched_words
    group.save(update_fields=["watched_words"])
    return group


def set_member_role(*, actor, membership: Membership, role: str) -> Membership:
    """Appoints or steps down a moderator. Ownership is not handed over here."""
    check_manage_group(user=actor, group=membership.group)
    if role not in (Membership.Role.MEMBER, Membership.Role.MODERATOR):
        raise GroupError(_("Choose member or moderator."))
    if membership.state != Membership.State.ACTIVE:
        raise GroupError(_("Only active members can be moderators."))
    if membership.role == Membership.Role.OWNER:
        raise GroupError(_("The owner's role cannot be changed here."))
    if membership.role != role:
        membership.role = role
        membership.updated_at = timezone.now()
        membership.save(update_fields=["role", "updated_at"])
        # Their open sockets keep what they may do in the room: they check again now.
        events.publish(events.MemberAccessChanged(user_id=membership.user_id))
    return membership
