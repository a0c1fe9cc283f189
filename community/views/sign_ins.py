"""The member's own sign-in activity: recent sign-ins (successful or not) and the sessions that
are signed in now, each of which they can end (its sockets close with it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.selectors.sign_ins import live_sessions, recent_sign_ins
from community.services.sign_ins import end_other_sessions, end_session


@login_required
def sign_in_activity(request):
    return render(
        request,
        "community/sign_in_activity.html",
        {
            "sessions": live_sessions(
                user=request.user, current_session_key=request.session.session_key
            ),
            "attempts": recent_sign_ins(user_id=request.user.pk),
        },
    )


@login_required
@require_POST
def end_sign_in_session(request):
    current = request.session.session_key
    if request.POST.get("session") == "others":
        ended = end_other_sessions(user=request.user, current_session_key=current)
        if ended:
            messages.success(request, _("Every other session is signed out."))
        else:
            messages.info(request, _("There was no other session to end."))
        return redirect("sign_in_activity")
    try:
        session_id = int(request.POST.get("session", ""))
    except ValueError:
        session_id = 0
    if end_session(user=request.user, session_id=session_id, current_session_key=current):
        messages.success(request, _("That session is signed out."))
    else:
        messages.error(request, _("That session had already ended."))
    return redirect("sign_in_activity")
