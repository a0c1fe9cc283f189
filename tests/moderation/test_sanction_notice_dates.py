"""A sanction notice is written while the moderator acts and read later by the member: its
date must not be in the moderator's time zone, which is the moderator's alone."""

import datetime

from django.utils import timezone

from messaging.models import Notification
from moderation.actions.sanction import sanction_member


def test_a_mute_notice_gives_its_end_in_utc_not_in_the_moderators_zone(scene):
    ends_at = datetime.datetime(2031, 5, 6, 22, 30, tzinfo=datetime.UTC)
    with timezone.override("Asia/Tokyo"):  # the moderator's zone, active for their request
        sanction_member(
            actor=scene.moderator,
            target=scene.author,
            kind="mute",
            reason="Cool off",
            group=scene.group,
            ends_at=ends_at,
        )
    text = Notification.objects.filter(recipient=scene.author).latest("id").text
    assert "until 6 May 2031, 22:30 UTC." in text
    assert "07:30" not in text
