from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.selectors.groups import active_members
from moderation.actions.rooms import update_room_controls
from moderation.forms import RoomControlsForm
from moderation.permissions import get_room_for_controller_or_404, moderator_view


@moderator_view
def room_controls(request, group_id: int):
    conversation = get_room_for_controller_or_404(user=request.user, group_id=group_id)
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
    return render(
        request,
        "moderation/room_controls.html",
        {
            "conversation": conversation,
            "group": conversation.group,
            "form": form,
            "members": active_members(group=conversation.group),
        },
    )
