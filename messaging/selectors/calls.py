"""Reading calls: the call by its public id, a member's place in it, and what each
participant's socket is told of it (`call.state`, docs/protocol.md)."""

from django.conf import settings
from django.db.models import Q

from community.avatars import avatar_pattern
from messaging.models import Call, CallEvent, CallParticipant


def get_active_call(*, call_id: str) -> Call | None:
    return (
        Call.objects.select_related("conversation")
        .filter(public_id=call_id, state=Call.State.ACTIVE)
        .first()
    )


def get_call_participants(
    *, call_pk: int, user_id: int, peer_id: str | None = None
) -> tuple[CallParticipant | None, CallParticipant | None]:
    """The member's own row in the call and, when `peer_id` is given, that peer's row (for a
    relay): (mine, theirs), either None where there is none. One query either way."""
    match = Q(user_id=user_id)
    if peer_id is not None:
        match |= Q(peer_id=peer_id)
    mine = theirs = None
    for row in CallParticipant.objects.filter(match, call_id=call_pk):
        if row.user_id == user_id:
            mine = row
        if peer_id is not None and row.peer_id == peer_id:
            theirs = row
    return mine, theirs


def active_call_in(*, conversation_id: int) -> Call | None:
    """The conversation's call now, if any (at most one: a database constraint)."""
    return Call.objects.filter(conversation_id=conversation_id, state=Call.State.ACTIVE).first()


def call_limit(call: Call) -> int:
    """Full mesh: each participant sends their media to every other one."""
    if call.media == Call.Media.VIDEO:
        return settings.KINDRED_CALL_VIDEO_LIMIT
    return settings.KINDRED_CALL_VOICE_LIMIT


def admitted_count(*, call_pk: int, excluding_user_id: int | None = None) -> int:
    rows = CallParticipant.objects.filter(
        call_id=call_pk, state=CallParticipant.State.ADMITTED
    ).exclude(channel_name="")
    if excluding_user_id is not None:
        rows = rows.exclude(user_id=excluding_user_id)
    return rows.count()


def _person(participant: CallParticipant, *, host_id: int | None) -> dict:
    return {
        "peer_id": participant.peer_id,
        # What a report from inside the call names (moderation's `call_participant`).
        "report_id": participant.pk,
        "name": participant.display_name,
        # Drawn by the client; null where the conversation shows no profile (an alias).
        "avatar": avatar_pattern(participant.avatar_seed) if participant.avatar_seed else None,
        "host": participant.user_id == host_id,
        "may_use_mic": participant.may_use_mic,
        "may_use_video": participant.may_use_video,
        "may_share_screen": participant.may_share_screen,
    }


def call_state(*, call: Call, participant: CallParticipant, is_host: bool) -> dict:
    """`call.state` for one participant. Only the admitted see who else is in the call; only
    the host sees who waits. Never an account, a public id or an address: peer ids are
    random per call."""
    frame = {
        "type": "call.state",
        "call_id": call.public_id,
        "conversation_id": call.conversation_id,
        "kind": call.kind,
        "media": call.media,
        "locked": call.locked,
        "waiting_room": call.waiting_room,
        "limit": call_limit(call),
        "you": {**_person(participant, host_id=call.host_id), "state": participant.state},
        "participants": [],
        "waiting": [],
    }
    if participant.state != CallParticipant.State.ADMITTED:
        return frame
    present = (
        CallParticipant.objects.filter(
            call_id=call.pk,
            state__in=(CallParticipant.State.ADMITTED, CallParticipant.State.WAITING),
        )
        .exclude(channel_name="")
        .order_by("joined_at", "pk")
    )
    for other in present:
        if other.state == CallParticipant.State.ADMITTED:
            person = _person(other, host_id=call.host_id)
            if is_host:
                # Whom the host may hand the call to: told to the host only.
                person["may_host"] = other.may_host and other.pk != participant.pk
            frame["participants"].append(person)
        elif is_host:
            frame["waiting"].append({"peer_id": other.peer_id, "name": other.display_name})
    return frame


def call_record(*, call: Call, participant: CallParticipant) -> dict:
    """What a participant may save to their journal: when, who was there (by the names the
    call showed), and the host actions shown while they were in it."""
    names = list(
        CallParticipant.objects.filter(call_id=call.pk, was_admitted=True)
        .order_by("joined_at", "pk")
        .values_list("display_name", flat=True)
    )
    events = CallEvent.objects.filter(call_id=call.pk, created_at__gte=participant.joined_at)
    if participant.left_at is not None:
        events = events.filter(created_at__lte=participant.left_at)
    events = list(events.order_by("created_at", "pk"))
    return {"call": call, "names": names, "events": events}
