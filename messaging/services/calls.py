"""Changing calls: start, join, leave, and the host's controls (docs/protocol.md, "Calls").

Each function locks the call's row, checks, writes, and on commit tells the call's sockets
(`call.changed` on the call's channel-layer group: each socket reads its own `call.state`
again). Host actions write one audit row each through messaging.call_audit (moderation's log)
and one CallEvent (what the participants saw, for their journals); doing one twice changes
nothing the second time."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from community.models import IncidentChannel
from community.services.journal import EntryContent, record_entry
from messaging import call_audit
from messaging.errors import denied
from messaging.frames import encode_frame
from messaging.models import Call, CallEvent, CallParticipant
from messaging.permissions import (
    CallAccess,
    ConversationAccess,
    check_host_call,
    check_start_call,
    get_conversation_access_or_404,
    may_host_call,
)
from messaging.selectors.calls import active_call_in, admitted_count, call_limit, call_record
from messaging.selectors.conversations import MODERATOR_NAME
from messaging.services import realtime
from messaging.turn import calls_available


@dataclass(frozen=True)
class Seat:
    """A socket's place in a call."""

    call_pk: int
    call_id: str
    peer_id: str
    conversation_id: int
    group_id: int | None
    # Another socket of the same member that was in the call until now ("" if none).
    replaced_channel: str = ""


def shown_in_call(*, access: ConversationAccess, user) -> dict:
    """How a call shows a member: as the conversation shows them (a support thread's alias,
    "Moderator" for a site moderator outside the group, both without an avatar; else the
    pseudonym and the profile's avatar)."""
    if access.alias is not None and access.alias[0] == user.pk:
        return {"display_name": access.alias[1], "avatar_seed": ""}
    if access.as_moderator:
        return {"display_name": str(MODERATOR_NAME), "avatar_seed": ""}
    return {"display_name": user.profile.pseudonym, "avatar_seed": user.profile.avatar_seed}


def _announce(call: Call, **event) -> None:
    payload = {"type": "call.changed", "call_pk": call.pk, **event}
    transaction.on_commit(lambda: realtime.publish_call_change(call_pk=call.pk, event=payload))


def _seat(call: Call, participant: CallParticipant, replaced: str = "") -> Seat:
    return Seat(
        call_pk=call.pk,
        call_id=call.public_id,
        peer_id=participant.peer_id,
        conversation_id=call.conversation_id,
        group_id=call.conversation.group_id,
        replaced_channel=replaced,
    )


def start_call(*, access: ConversationAccess, user, media: str, channel_name: str) -> Seat:
    if not calls_available():
        raise denied("calls_off")
    if media not in Call.Media.values:
        raise denied("invalid")
    kind = check_start_call(access=access)
    with transaction.atomic():
        # The conversation's row lock: two hosts starting at once make one call.
        type(access.conversation).objects.select_for_update().filter(
            pk=access.conversation.pk
        ).first()
        current = active_call_in(conversation_id=access.conversation.pk)
        if current is not None:
            # A call whose host never came back (the process that waited for them died).
            end_if_host_gone(call_pk=current.pk)
            if active_call_in(conversation_id=access.conversation.pk) is not None:
                raise denied("call_active")
        call = Call.objects.create(
            kind=kind,
            media=media,
            conversation=access.conversation,
            host=user,
            waiting_room=kind == Call.Kind.CIRCLE,
        )
        participant = CallParticipant.objects.create(
            call=call,
            user=user,
            **shown_in_call(access=access, user=user),
            may_host=True,
            state=CallParticipant.State.ADMITTED,
            was_admitted=True,
            channel_name=channel_name,
        )
        CallEvent.objects.create(call=call, kind=CallEvent.Kind.STARTED)
        news = encode_frame(
            {
                "type": "call.started",
                "conversation_id": call.conversation_id,
                "call_id": call.public_id,
                "kind": call.kind,
                "media": call.media,
            }
        )
        transaction.on_commit(
            lambda: realtime.broadcast_conversation_text(
                conversation_id=call.conversation_id, text=news
            )
        )
    return _seat(call, participant)


def _locked_call(call_pk: int) -> Call:
    call = Call.objects.select_for_update().select_related("conversation").get(pk=call_pk)
    if call.state != Call.State.ACTIVE:
        raise denied("not_found")
    return call


def _check_room_for_one_more(call: Call, *, excluding_user_id: int | None = None) -> None:
    limit = call_limit(call)
    if admitted_count(call_pk=call.pk, excluding_user_id=excluding_user_id) >= limit:
        raise denied("call_full", limit=limit)


def join_call(*, call_access: CallAccess, user, channel_name: str) -> Seat:
    """Into the call, or into its waiting room. Turned away or removed: never again."""
    with transaction.atomic():
        call = _locked_call(call_access.call.pk)
        participant = CallParticipant.objects.filter(call=call, user=user).first()
        if participant is not None and participant.state in (
            CallParticipant.State.REMOVED,
            CallParticipant.State.TURNED_AWAY,
        ):
            raise denied("call_removed")
        returning = participant is not None and participant.was_admitted
        if call.locked and not returning:
            raise denied("call_locked")
        is_host = call.host_id == user.pk
        straight_in = (
            is_host or returning or call.kind == Call.Kind.PRIVATE or not call.waiting_room
        )
        if straight_in:
            _check_room_for_one_more(call, excluding_user_id=user.pk)
        if participant is None:
            participant = CallParticipant(
                call=call,
                user=user,
                **shown_in_call(access=call_access.access, user=user),
            )
        replaced = participant.channel_name if participant.channel_name != channel_name else ""
        participant.may_host = may_host_call(call=call, access=call_access.access)
        participant.state = (
            CallParticipant.State.ADMITTED if straight_in else CallParticipant.State.WAITING
        )
        participant.was_admitted = participant.was_admitted or straight_in
        participant.channel_name = channel_name
        participant.left_at = None
        participant.save()
        _announce(call)
    return _seat(call, participant, replaced)


def leave_call(*, call_pk: int, user, channel_name: str, dropped: bool = False) -> bool:
    """The socket leaves (or closed). The host leaving ends the call for everyone; a host
    whose connection dropped (`dropped`) has KINDRED_CALL_HOST_GRACE seconds to come back
    (`end_if_host_gone`). Returns whether the call now waits for its host."""
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("conversation").get(pk=call_pk)
        participant = CallParticipant.objects.filter(
            call=call, user=user, channel_name=channel_name
        ).first()
        if participant is None or call.state != Call.State.ACTIVE:
            return False
        participant.channel_name = ""
        if participant.state in (CallParticipant.State.ADMITTED, CallParticipant.State.WAITING):
            participant.state = CallParticipant.State.LEFT
        participant.left_at = timezone.now()
        participant.save(update_fields=["channel_name", "state", "left_at"])
        waits = call.host_id == user.pk and dropped and settings.KINDRED_CALL_HOST_GRACE > 0
        if call.host_id == user.pk and not waits:
            _end(call, reason="host_left")
        else:
            _announce(call)
    return waits


def end_if_host_gone(*, call_pk: int) -> None:
    """After the grace: the host did not come back, so the call ends for everyone. A host
    still within the grace (KINDRED_CALL_HOST_GRACE since their connection dropped) keeps it."""
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("conversation").get(pk=call_pk)
        if call.state != Call.State.ACTIVE:
            return
        host = CallParticipant.objects.filter(call=call, user_id=call.host_id).first()
        if host is not None and host.state == CallParticipant.State.ADMITTED and host.channel_name:
            return
        grace = timedelta(seconds=settings.KINDRED_CALL_HOST_GRACE)
        if host is not None and host.left_at is not None and timezone.now() - host.left_at < grace:
            return
        _end(call, reason="host_left")


def _end(call: Call, *, reason: str) -> None:
    call.state = Call.State.ENDED
    call.ended_at = timezone.now()
    call.save(update_fields=["state", "ended_at"])
    CallEvent.objects.create(call=call, kind=CallEvent.Kind.ENDED)
    CallParticipant.objects.filter(call=call).exclude(channel_name="").update(
        channel_name="", left_at=call.ended_at
    )
    _announce(call, ended=reason)
    news = encode_frame(
        {
            "type": "call.finished",
            "conversation_id": call.conversation_id,
            "call_id": call.public_id,
        }
    )
    transaction.on_commit(
        lambda: realtime.broadcast_conversation_text(
            conversation_id=call.conversation_id, text=news
        )
    )


# Host controls ------------------------------------------------------------------------------


def _target(call: Call, peer_id) -> CallParticipant:
    if not isinstance(peer_id, str) or len(peer_id) > 32:
        raise denied("invalid")
    participant = CallParticipant.objects.filter(call=call, peer_id=peer_id).first()
    if participant is None:
        raise denied("not_found")
    return participant


def _host_action(
    *, call_access: CallAccess, actor, action: str, event_kind, target=None, **announce
) -> None:
    call = call_access.call
    call_audit.record_host_action(
        actor=actor,
        call=call,
        action=action,
        target_user_id=target.user_id if target is not None else None,
    )
    CallEvent.objects.create(
        call=call, kind=event_kind, subject_name=target.display_name if target else ""
    )
    _announce(call, **announce)


def _hosted(call_access: CallAccess) -> Call:
    check_host_call(call_access=call_access)
    call = _locked_call(call_access.call.pk)
    if call.host_id != call_access.access.user_id:
        raise denied("not_host")
    call_access.call = call
    return call


def admit(*, call_access: CallAccess, actor, peer_id, admitted: bool) -> bool:
    """Admits a waiting member, or turns them away (they cannot knock again)."""
    with transaction.atomic():
        call = _hosted(call_access)
        target = _target(call, peer_id)
        if target.state != CallParticipant.State.WAITING or not target.channel_name:
            return False
        if admitted:
            _check_room_for_one_more(call)
            target.state, target.was_admitted = CallParticipant.State.ADMITTED, True
        else:
            target.state = CallParticipant.State.TURNED_AWAY
        target.save(update_fields=["state", "was_admitted"])
        _host_action(
            call_access=call_access,
            actor=actor,
            action="call_admit" if admitted else "call_turn_away",
            event_kind=CallEvent.Kind.ADMITTED if admitted else CallEvent.Kind.TURNED_AWAY,
            target=target,
        )
    return True


def set_call_locked(*, call_access: CallAccess, actor, locked: bool) -> bool:
    with transaction.atomic():
        call = _hosted(call_access)
        if call.locked == locked:
            return False
        call.locked = locked
        call.save(update_fields=["locked"])
        _host_action(
            call_access=call_access,
            actor=actor,
            action="call_lock" if locked else "call_unlock",
            event_kind=CallEvent.Kind.LOCKED if locked else CallEvent.Kind.UNLOCKED,
        )
    return True


# (field, value) → (audit action, call event, notice for the target's client)
_PERMISSION_CHANGES = {
    ("may_use_mic", False): ("call_mute", CallEvent.Kind.MUTED, "muted"),
    ("may_use_mic", True): ("call_ask_unmute", CallEvent.Kind.ASKED_TO_UNMUTE, "unmute_asked"),
    ("may_use_video", False): ("call_stop_video", CallEvent.Kind.VIDEO_STOPPED, "video_stopped"),
    ("may_use_video", True): ("call_allow_video", CallEvent.Kind.VIDEO_ALLOWED, "video_allowed"),
    ("may_share_screen", True): (
        "call_allow_screen",
        CallEvent.Kind.SCREEN_ALLOWED,
        "screen_allowed",
    ),
    ("may_share_screen", False): (
        "call_stop_screen",
        CallEvent.Kind.SCREEN_DISALLOWED,
        "screen_stopped",
    ),
}


def set_participant_permission(
    *, call_access: CallAccess, actor, peer_id, field: str, allowed: bool
) -> bool:
    """Mute (the microphone may not send until the host asks them to unmute), stop or allow
    video, allow or stop screen sharing. The client obeys; the server also refuses to relay
    offers that would send what is not allowed (messaging.consumers)."""
    action, event_kind, notice = _PERMISSION_CHANGES[(field, allowed)]
    with transaction.atomic():
        call = _hosted(call_access)
        target = _target(call, peer_id)
        if target.state != CallParticipant.State.ADMITTED or getattr(target, field) == allowed:
            return False
        setattr(target, field, allowed)
        target.save(update_fields=[field])
        _host_action(
            call_access=call_access,
            actor=actor,
            action=action,
            event_kind=event_kind,
            target=target,
            notice={"kind": notice, "peer_id": target.peer_id},
        )
    return True


def remove_participant(*, call_access: CallAccess, actor, peer_id) -> bool:
    """Out at once: every connection to them closes, and they cannot rejoin this call."""
    with transaction.atomic():
        call = _hosted(call_access)
        target = _target(call, peer_id)
        if target.user_id == call.host_id:
            raise denied("invalid")
        if target.state == CallParticipant.State.REMOVED:
            return False
        target.state = CallParticipant.State.REMOVED
        target.left_at = timezone.now()
        target.save(update_fields=["state", "left_at"])
        _host_action(
            call_access=call_access,
            actor=actor,
            action="call_remove",
            event_kind=CallEvent.Kind.REMOVED,
            target=target,
        )
    return True


def end_call(*, call_access: CallAccess, actor) -> None:
    with transaction.atomic():
        call = _hosted(call_access)
        call_audit.record_host_action(
            actor=actor, call=call, action="call_end", target_user_id=None
        )
        _end(call, reason="ended_by_host")


def hand_host(*, call_access: CallAccess, actor, peer_id) -> bool:
    """To another admitted participant who could host: in a circle, a moderator of the group
    with two-factor authentication."""
    with transaction.atomic():
        call = _hosted(call_access)
        target = _target(call, peer_id)
        if target.user_id == call.host_id:
            return False
        if target.state != CallParticipant.State.ADMITTED or not target.channel_name:
            raise denied("not_in_call")
        target_access = get_conversation_access_or_404(
            user=target.user, conversation_id=call.conversation_id
        )
        if not may_host_call(call=call, access=target_access):
            raise denied("cannot_host")
        call.host = target.user
        call.save(update_fields=["host"])
        _host_action(
            call_access=call_access,
            actor=actor,
            action="call_hand_host",
            event_kind=CallEvent.Kind.HOST_HANDED,
            target=target,
        )
    return True


# The participant's record ----------------------------------------------------------------------


def save_call_to_journal(*, call: Call, owner):
    """One step after (or during) a call: an ordinary entry of the owner's private journal,
    encrypted and in their hash chain like any other (community.services.journal), with when
    the call began and ended, who was in it (by the names the call showed) and the host
    actions shown while the owner was in it. Only for someone who was admitted to it (the
    caller checks: messaging.permissions.get_call_for_record_or_404)."""
    participant = CallParticipant.objects.get(call=call, user=owner)
    record = call_record(call=call, participant=participant)
    started = timezone.localtime(call.started_at)
    ended = timezone.localtime(call.ended_at) if call.ended_at else None
    events = [
        f"{timezone.localtime(event.created_at):%H:%M} {event.get_kind_display()}"
        + (f": {event.subject_name}" if event.subject_name else "")
        for event in record["events"]
    ]
    lines = [
        gettext("Started at %(time)s.") % {"time": f"{started:%Y-%m-%d %H:%M}"},
        gettext("Ended at %(time)s.") % {"time": f"{ended:%Y-%m-%d %H:%M}"}
        if ended
        else gettext("Still going on when saved."),
        gettext("Present: %(names)s.") % {"names": ", ".join(record["names"])},
        gettext("What happened in the call:"),
        *events,
    ]
    content = EntryContent(
        title=gettext("%(kind)s on %(date)s")
        % {"kind": call.get_kind_display(), "date": f"{started:%Y-%m-%d}"},
        occurred_on=started.date(),
        occurred_time=f"{started:%H:%M}",
        date_is_approximate=False,
        channel=IncidentChannel.VIDEO_CALL,
        place=str(call.get_kind_display()),
        people_involved=", ".join(record["names"]),
        witnesses="",
        what_happened="\n".join(lines),
        effect="",
        actions_taken="",
    )
    return record_entry(owner=owner, content=content, evidence=[])
