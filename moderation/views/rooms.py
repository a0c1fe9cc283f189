from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.models import Membership
from messaging.models import Conversation
from moderation.forms import RoomControlsForm
from moderation.permissions import check_control_room, moderator_view
from moderation.services.rooms import update_room_controls


@moderator_view
def room_controls(request, group_id: int):
    conversation = (
        Conversation.objects.select_related("group")
        .filter(kind=Conversation.Kind.ROOM, group_id=group_id)
        .first()
    )
    if conversation is None:
        raise Http404
    check_control_room(request.user, conversation)
    form = RoomControlsForm(
        request.POST or None,
        initial={
            "locked": conversation.locked,
            "slow_mode_seconds": conversation.slow_mode_seconds,
            "links_restricted": conversation.links_restricted,
        },
    )
    if request.method == "POST" and form.is_valid():
        results = update_room_controls(
            actor=request.user, conversation=conversation, **form.cleaned_data
        )
        if any(result.changed for result in results):
            messages.success(
                request, _("Room controls updated. Everyone in the room sees the change now.")
            )
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("moderation:room_controls", group_id=group_id)
    members = (
        Membership.objects.filter(group_id=group_id, state=Membership.State.ACTIVE)
        .select_related("user__profile")
        .order_by("user__profile__pseudonym")
    )
    return render(
        request,
        "moderation/room_controls.html",
        {
            "conversation": conversation,
            "group": conversation.group,
            "form": form,
            "members": members,
        },
    )
