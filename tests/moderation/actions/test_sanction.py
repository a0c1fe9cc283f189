from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from community.models import Membership
from messaging.models import Notification
from moderation.actions.lift import lift_expired_sanctions
from moderation.actions.sanction import SanctionError, sanction_member
from moderation.models import AuditLogEntry, Sanction
from moderation.selectors.sanctions import active_mute_until
from tests.factories import PASSWORD, make_member


def _mute(scene, minutes=10, actor=None):
    return sanction_member(
        actor=actor or scene.moderator,
        target=scene.author,
        kind="mute",
        reason="Cool off",
        group=scene.group,
        ends_at=timezone.now() + timedelta(minutes=minutes),
    )


def test_mute_sets_active_mute_until_for_that_group_only(scene):
    assert active_mute_until(user_id=scene.author.pk, group_id=scene.group.pk) is None
    result = _mute(scene)
    until = active_mute_until(user_id=scene.author.pk, group_id=scene.group.pk)
    assert until == result.obj.ends_at
    from tests.moderation.conftest import make_room

    other = make_room(name="Other", members=[scene.author])
    assert active_mute_until(user_id=scene.author.pk, group_id=other.group_id) is None


def test_expired_or_lifted_mute_is_not_active(scene):
    result = _mute(scene)
    Sanction.objects.filter(pk=result.obj.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert active_mute_until(user_id=scene.author.pk, group_id=scene.group.pk) is None


def test_repeating_a_sanction_in_force_changes_nothing(scene):
    first = _mute(scene)
    second = _mute(scene)
    assert first.changed and not second.changed
    assert Sanction.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="mute").count() == 1
    assert Notification.objects.filter(recipient=scene.author, kind="sanction").count() == 1


def test_mute_needs_an_end_time_and_a_reason(scene):
    with pytest.raises(SanctionError):
        sanction_member(
            actor=scene.moderator, target=scene.author, kind="mute", reason="r", group=scene.group
        )
    with pytest.raises(SanctionError):
        sanction_member(
            actor=scene.moderator, target=scene.author, kind="warn", reason="  ", group=scene.group
        )
    assert not Sanction.objects.exists() and not AuditLogEntry.objects.exists()


def test_remove_and_ban_change_the_membership(scene):
    sanction_member(
        actor=scene.moderator, target=scene.author, kind="ban", reason="Threats", group=scene.group
    )
    assert Membership.objects.get(user=scene.author, group=scene.group).state == "banned"
    sanction_member(
        actor=scene.moderator,
        target=scene.bystander,
        kind="remove",
        reason="Spam",
        group=scene.group,
    )
    assert Membership.objects.get(user=scene.bystander, group=scene.group).state == "removed"


def test_only_site_moderators_suspend(scene):
    with pytest.raises(PermissionDenied):
        sanction_member(actor=scene.moderator, target=scene.author, kind="suspend", reason="r")
    assert not Sanction.objects.exists()


def test_suspension_blocks_login_and_ends_when_its_time_runs_out(client, scene):
    result = sanction_member(
        actor=scene.site_moderator,
        target=scene.author,
        kind="suspend",
        reason="Repeated threats",
        ends_at=timezone.now() + timedelta(days=1),
    )
    assert result.changed
    assert not client.login(email=scene.author.email, password=PASSWORD)
    response = client.post(
        reverse("account_login"), {"login": scene.author.email, "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    # allauth sends an inactive account to its "account inactive" page, signed out.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")
    Sanction.objects.filter(pk=result.obj.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert lift_expired_sanctions() == 1
    assert client.login(email=scene.author.email, password=PASSWORD)
    assert AuditLogEntry.objects.filter(action="lift").count() == 1


def test_group_moderator_cannot_sanction_in_a_group_they_do_not_moderate(scene):
    from tests.moderation.conftest import make_room

    other = make_room(name="Not mine", members=[scene.author])
    from django.http import Http404

    with pytest.raises(Http404):
        sanction_member(
            actor=scene.moderator, target=scene.author, kind="warn", reason="r", group=other.group
        )


def test_sanction_form_on_member_page(client, scene):
    client.force_login(scene.moderator)
    url = reverse("moderation:member", args=[scene.author.profile.public_id])
    response = client.post(
        url,
        {
            "sanction-kind": "mute",
            "sanction-reason": "typed reason",
            "sanction-group": scene.group.pk,
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "typed reason" in page and "errorlist" in page  # mute without duration
    response = client.post(
        url,
        {
            "sanction-kind": "mute",
            "sanction-reason": "Cool off",
            "sanction-group": scene.group.pk,
            "sanction-duration": "10",
        },
    )
    assert response.status_code == 302
    assert active_mute_until(user_id=scene.author.pk, group_id=scene.group.pk) is not None


def test_group_moderator_sees_no_suspend_option_and_cannot_post_one(client, scene):
    client.force_login(scene.moderator)
    url = reverse("moderation:member", args=[scene.author.profile.public_id])
    assert 'value="suspend"' not in client.get(url).content.decode()
    client.post(url, {"sanction-kind": "suspend", "sanction-reason": "r", "sanction-group": ""})
    assert not Sanction.objects.exists()


def test_member_history_shows_the_last_90_days_in_scope(client, scene):
    sanction_member(
        actor=scene.moderator,
        target=scene.author,
        kind="warn",
        reason="Recent one",
        group=scene.group,
    )
    old = sanction_member(
        actor=scene.moderator,
        target=scene.author,
        kind="warn",
        reason="Ancient one",
        group=scene.group,
    ).obj
    Sanction.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    client.force_login(scene.moderator)
    page = client.get(
        reverse("moderation:member", args=[scene.author.profile.public_id])
    ).content.decode()
    assert "Recent one" in page and "Ancient one" not in page
    assert scene.author.email not in page
    # A moderator of an unrelated group cannot look the member up at all.
    stranger_mod = make_member(mfa=True)
    from tests.moderation.conftest import add_member, make_room

    add_member(group=make_room(name="Unrelated").group, user=stranger_mod, role="moderator")
    client.force_login(stranger_mod)
    assert (
        client.get(reverse("moderation:member", args=[scene.author.profile.public_id])).status_code
        == 404
    )


def test_lift_expired_sanctions_command_restores_a_timed_ban(scene):
    from django.core.management import call_command

    result = sanction_member(
        actor=scene.moderator,
        target=scene.author,
        kind="ban",
        reason="A week out",
        group=scene.group,
        ends_at=timezone.now() + timedelta(days=7),
    )
    call_command("lift_expired_sanctions")
    assert Membership.objects.get(user=scene.author, group=scene.group).state == "banned"
    Sanction.objects.filter(pk=result.obj.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    call_command("lift_expired_sanctions")
    assert Membership.objects.get(user=scene.author, group=scene.group).state == "active"
    assert Sanction.objects.get().lifted_at is not None


def test_group_moderator_tunes_the_threshold_within_site_limits(client, scene):
    from moderation.models import GroupModerationSettings

    client.force_login(scene.moderator)
    assert (
        "Auto-hide threshold for Night shift"
        in client.get(reverse("moderation:queue")).content.decode()
    )
    url = reverse("moderation:group_settings", args=[scene.group.pk])
    response = client.post(url, {"auto_hide_threshold": "99"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert client.post(url, {"auto_hide_threshold": "5"}).status_code == 302
    assert GroupModerationSettings.objects.get(group=scene.group).auto_hide_threshold == 5.0
    assert client.post(url, {"auto_hide_threshold": "5"}).status_code == 302
    assert AuditLogEntry.objects.filter(action="threshold").count() == 1
    client.force_login(scene.reporter)
    assert client.get(url).status_code == 404


def _ban_from_member_page(client, actor, target, group):
    client.force_login(actor)
    return client.post(
        reverse("moderation:member", args=[target.profile.public_id]),
        {"sanction-kind": "ban", "sanction-reason": "Threats", "sanction-group": group.pk},
    )


def test_only_a_site_moderator_bans_a_groups_owner_by_name(client, scene):
    from tests.moderation.conftest import add_member

    owner = make_member(pseudonym="OwnerOtter")
    add_member(group=scene.group, user=owner, role=Membership.Role.OWNER)
    response = _ban_from_member_page(client, scene.moderator, owner, scene.group)
    assert response.status_code == 200
    assert "Only a site moderator can remove a group&#x27;s owner." in response.content.decode()
    assert Membership.objects.get(user=owner, group=scene.group).state == "active"
    assert not Sanction.objects.exists() and not AuditLogEntry.objects.exists()
    assert (
        _ban_from_member_page(client, scene.site_moderator, owner, scene.group).status_code == 302
    )
    assert Membership.objects.get(user=owner, group=scene.group).state == "banned"


def test_a_banned_moderator_loses_the_role_and_gets_it_back_only_by_appointment(scene):
    from moderation.actions.appeal import decide_appeal, submit_appeal

    ban = sanction_member(
        actor=scene.second_moderator,
        target=scene.moderator,
        kind="ban",
        reason="Abusing the tools",
        group=scene.group,
    ).obj
    membership = Membership.objects.get(user=scene.moderator, group=scene.group)
    assert (membership.state, membership.role) == ("banned", "member")
    appeal = submit_appeal(appellant=scene.moderator, sanction=ban, text="please").obj
    decide_appeal(actor=scene.site_moderator, appeal=appeal, grant=True, note="Fair")
    membership.refresh_from_db()
    assert (membership.state, membership.role) == ("active", "member")


def test_a_member_who_rejoined_after_a_removal_can_be_removed_again(scene):
    from community.services.groups import join_group

    def remove():
        return sanction_member(
            actor=scene.moderator,
            target=scene.author,
            kind="remove",
            reason="Spam",
            group=scene.group,
        )

    assert remove().changed and not remove().changed
    join_group(user=scene.author, group=scene.group, accepted_rules=True)
    assert remove().changed
    assert Membership.objects.get(user=scene.author, group=scene.group).state == "removed"
    assert AuditLogEntry.objects.filter(action="remove").count() == 2


def test_lifting_expired_sanctions_twice_lifts_each_once(scene):
    result = sanction_member(
        actor=scene.moderator,
        target=scene.author,
        kind="ban",
        reason="A week out",
        group=scene.group,
        ends_at=timezone.now() + timedelta(days=7),
    )
    Sanction.objects.filter(pk=result.obj.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert lift_expired_sanctions() == 1
    assert lift_expired_sanctions() == 0
    assert AuditLogEntry.objects.filter(action="lift").count() == 1
