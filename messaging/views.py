"""Pages for conversations: a group's live room, direct messages and requests, notifications.

Thin: parse, fetch-and-check (permissions), call one service, translate domain errors. The live
part runs over the socket (messaging/consumers.py); these pages render the latest messages so
they also read without JavaScript, and the form posts here when scripts are off.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from community.before_you_send import CONFIRM_FIELD, HeldBack, tell_if_self_harm
from community.confirmation import ask_first
from community.models import Reaction
from community.permissions import get_group_for_reader_or_404
from community.selectors.profiles import get_profile_by_public_id
from messaging.errors import ERROR_MESSAGES, MessagingDenied
from messaging.forms import NotificationPreferencesForm
from messaging.models import Conversation
from messaging.permissions import (
    check_start_call,
    get_call_access_or_404,
    get_call_for_record_or_404,
    get_conversation_access_or_404,
)
from messaging.selectors import conversations as selectors
from messaging.selectors import inbox as inbox_selectors
from messaging.selectors.calls import active_call_in
from messaging.selectors.mentions import mention_candidates
from messaging.selectors.notifications import (
    get_notification_for_recipient,
    notification_preferences,
    recent_notifications,
    unread_notification_count,
)
from messaging.services import calls as call_services
from messaging.services import conversations as services
from messaging.services import reactions
from messaging.services.notifications import (
    mark_notifications_read,
    save_notification_preferences,
)
from messaging.turn import calls_available


def _conversation_page(
    request,
    *,
    access,
    body: str = "",
    content_warning: str = "",
    error: str = "",
    held=None,
    client_id: str = "",
    status: int = 200,
):
    page = selectors.conversation_page(access=access, user=request.user)
    conversation = access.conversation
    is_room = conversation.kind == Conversation.Kind.ROOM
    return render(
        request,
        "messaging/conversation.html",
        {
            "conversation": conversation,
            "access": access,
            "title": page.title,
            "messages_page": page.messages,
            "has_more": page.has_more,
            "through_seq": page.through_seq,
            "client_id": client_id or uuid.uuid4().hex,
            "body": body,
            "content_warning": content_warning,
            "error": error,
            "held": held,
            "not_delivered": page.not_delivered,
            "closed_by_other": page.closed_by_other,
            "read_seq": page.read_seq,
            "back": _way_back(conversation),
            "is_room": is_room,
            "me": page.me,
            "reaction_kinds": Reaction.Kind.choices,
            # The composer's @ suggestions (read by the chat client from a json_script).
            "mention_candidates": (
                mention_candidates(access=access, user=request.user) if is_room else []
            ),
            # What a screen reader announces of new messages here ("all", "mentions", "off").
            "announcements": notification_preferences(user_id=request.user.pk).chat_announcements,
            # A call going on here (its screen), or whether this member may start one.
            "active_call": active_call_in(conversation_id=conversation.pk),
            "may_start_call": calls_available()
            and conversation.kind != Conversation.Kind.DIRECT
            and (conversation.kind != Conversation.Kind.ROOM or access.can_moderate),
        },
        status=status,
    )


def _way_back(conversation) -> tuple[str, str]:
    """Where the conversation came from: a room's group, a support thread's request, or the
    inbox for direct messages (URL and link text)."""
    if conversation.kind == Conversation.Kind.ROOM:
        return reverse("group_detail", args=[conversation.group.slug]), _("Back to the group")
    if conversation.support_request_id:
        return (
            reverse("support_request_detail", args=[conversation.support_request_id]),
            _("Back to the support request"),
        )
    return reverse("messaging:inbox"), _("All messages")


@login_required
def room(request, slug: str):
    # Members, and site moderators who come to moderate (the access check below asks for
    # their second factor; without it, 404 like for anyone else).
    group = get_group_for_reader_or_404(user=request.user, slug=slug)
    conversation = selectors.group_room(group_id=group.pk)
    if conversation is None:
        raise Http404
    access = get_conversation_access_or_404(user=request.user, conversation_id=conversation.pk)
    return _conversation_page(request, access=access)


def _access_or_requests(request, conversation_id: int):
    try:
        return get_conversation_access_or_404(user=request.user, conversation_id=conversation_id)
    except MessagingDenied as error:
        if error.code == "request_pending":
            return None
        raise


@login_required
def conversation_detail(request, conversation_id: int):
    access = _access_or_requests(request, conversation_id)
    if access is None:
        return redirect("messaging:requests")
    if access.conversation.kind == Conversation.Kind.ROOM:
        return redirect("messaging:room", slug=access.conversation.group.slug)
    return _conversation_page(request, access=access)


@login_required
@require_POST
def send_message(request, conversation_id: int):
    """The form's target when scripts are off (with scripts, the socket sends)."""
    access = _access_or_requests(request, conversation_id)
    if access is None:
        return redirect("messaging:requests")
    body = request.POST.get("body", "")
    content_warning = request.POST.get("content_warning", "")
    client_id = request.POST.get("client_id", "")[:64] or uuid.uuid4().hex
    try:
        services.post_message(
            access=access,
            sender=request.user,
            body=body,
            client_id=client_id,
            content_warning=content_warning,
            confirmed=request.POST.get(CONFIRM_FIELD) == "1",
        )
    except MessagingDenied as error:
        return _conversation_page(
            request,
            access=access,
            body=body,
            content_warning=content_warning,
            error=str(error.message),
            status=400,
        )
    except HeldBack as held:
        return _conversation_page(
            request,
            access=access,
            body=body,
            content_warning=content_warning,
            held=held.findings,
            client_id=client_id,
        )
    tell_if_self_harm(request, [body])
    if access.conversation.kind == Conversation.Kind.ROOM:
        return redirect("messaging:room", slug=access.conversation.group.slug)
    return redirect("messaging:conversation", conversation_id=conversation_id)


@login_required
@require_POST
def react(request, message_id: int):
    """The reaction buttons' target when scripts are off: sets the reaction if the member has
    not chosen it yet, clears it otherwise (with scripts, the socket's `react` frame)."""
    kind = request.POST.get("kind", "")
    on = not reactions.has_reacted(message_id=message_id, user=request.user, kind=kind)
    try:
        message, _mine = reactions.set_reaction(
            message_id=message_id, user=request.user, kind=kind, on=on
        )
    except MessagingDenied as error:
        if error.code == "not_found":
            raise Http404 from None
        messages.error(request, str(error.message))
        return redirect("messaging:inbox")
    conversation = message.conversation
    if conversation.kind == Conversation.Kind.ROOM:
        return redirect(
            reverse("messaging:room", args=[conversation.group.slug]) + f"#message-{message.pk}"
        )
    return redirect(
        reverse("messaging:conversation", args=[conversation.pk]) + f"#message-{message.pk}"
    )


@login_required
def direct_with(request, public_id: str):
    """Opens the thread with a member, or offers to write the first message (a request)."""
    profile = get_profile_by_public_id(public_id=public_id)
    if profile.user_id == request.user.pk:
        raise Http404
    existing = selectors.get_direct_conversation(
        user_id=request.user.pk, other_user_id=profile.user_id
    )
    if (
        existing is not None
        and request.method == "GET"
        and not selectors.declined_by_other(conversation_id=existing.pk, user_id=request.user.pk)
    ):
        return redirect("messaging:conversation", conversation_id=existing.pk)
    body, error, held = "", "", None
    client_id = request.POST.get("client_id", "")[:64] or uuid.uuid4().hex
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            message = services.start_direct_conversation(
                sender=request.user,
                recipient=profile.user,
                body=body,
                client_id=client_id,
                confirmed=request.POST.get(CONFIRM_FIELD) == "1",
            )
        except (MessagingDenied, Http404) as error_:
            error = str(getattr(error_, "message", "")) or str(ERROR_MESSAGES["cannot_message_now"])
        except HeldBack as held_back:
            held = held_back.findings
        else:
            tell_if_self_harm(request, [body])
            messages.success(request, _("Sent. They will see it as a message request."))
            return redirect("messaging:conversation", conversation_id=message.conversation_id)
    return render(
        request,
        "messaging/direct_new.html",
        {
            "profile": profile,
            "body": body,
            "error": error,
            "held": held,
            "client_id": client_id,
        },
        status=400 if error else 200,
    )


@login_required
def inbox(request):
    return render(
        request,
        "messaging/inbox.html",
        {
            "inbox": inbox_selectors.inbox(user_id=request.user.pk),
            "request_count": selectors.message_request_counts(user_id=request.user.pk)[False],
        },
    )


def _requests_page(request, *, filtered: bool):
    pending = selectors.message_requests(user_id=request.user.pk, filtered=filtered)
    senders = selectors.request_senders(requests=pending, user_id=request.user.pk)
    previews = selectors.request_previews(participants=pending)
    counts = selectors.message_request_counts(user_id=request.user.pk)
    return render(
        request,
        "messaging/requests.html",
        {
            "filtered": filtered,
            "cooldown_days": services.request_cooldown_days(),
            "other_list_count": counts[not filtered],
            "requests": [
                {
                    "participant": part,
                    "sender": senders.get(part.conversation_id),
                    "preview": previews.get(part.conversation_id),
                }
                for part in pending
            ],
        },
    )


@login_required
def requests_list(request):
    return _requests_page(request, filtered=False)


@login_required
def filtered_requests_list(request):
    """Requests from new accounts and from people who share no group with the member."""
    return _requests_page(request, filtered=True)


def _list_of(filtered: bool) -> str:
    return "messaging:filtered_requests" if filtered else "messaging:requests"


@login_required
@require_POST
def answer_request(request, conversation_id: int):
    accept = request.POST.get("answer") == "accept"
    if not accept:
        if selectors.request_sender_id(conversation_id=conversation_id, user=request.user) is None:
            raise Http404
        if response := ask_first(
            request,
            heading=_("Decline this message request?"),
            consequences=services.decline_request_consequences(),
            confirm_label=_("Decline"),
            cancel_url=reverse(_list_of(request.POST.get("list") == "filtered")),
        ):
            return response
    try:
        participant = services.answer_message_request(
            conversation_id=conversation_id, user=request.user, accept=accept
        )
    except MessagingDenied:
        raise Http404 from None
    if accept:
        return redirect("messaging:conversation", conversation_id=conversation_id)
    messages.success(request, _("Declined. They will only see that it was not delivered."))
    return redirect(_list_of(participant.filtered))


@login_required
@require_POST
def decline_all_requests(request):
    filtered = request.POST.get("list") == "filtered"
    if response := ask_first(
        request,
        heading=_("Decline all filtered requests?") if filtered else _("Decline all requests?"),
        consequences=services.decline_request_consequences(),
        confirm_label=_("Decline all"),
        cancel_url=reverse(_list_of(filtered)),
    ):
        return response
    declined = services.decline_all_message_requests(user=request.user, filtered=filtered)
    if declined:
        messages.success(
            request,
            ngettext(
                "Declined %(count)d request. They will only see that it was not delivered.",
                "Declined %(count)d requests. They will only see that it was not delivered.",
                declined,
            )
            % {"count": declined},
        )
    else:
        messages.info(request, _("There was no request to decline."))
    return redirect(_list_of(filtered))


@login_required
def notifications(request):
    if request.method == "POST":
        mark_notifications_read(recipient_id=request.user.pk)
        return redirect("messaging:notifications")
    items = recent_notifications(recipient_id=request.user.pk)
    preferences = notification_preferences(user_id=request.user.pk)
    return render(
        request,
        "messaging/notifications.html",
        {
            "notifications": items,
            "show_details": preferences.show_details,
            # The same total as the bell, not only among the recent ones listed.
            "unread_count": unread_notification_count(recipient_id=request.user.pk),
            "mark_read_url": reverse("messaging:notifications"),
        },
    )


@login_required
def notification_detail(request, notification_id: int):
    """What happened, shown when the member asks: the discreet bell links here."""
    notification = get_notification_for_recipient(
        recipient_id=request.user.pk, notification_id=notification_id
    )
    if notification is None:
        raise Http404
    mark_notifications_read(recipient_id=request.user.pk, notification_ids=[notification.pk])
    return render(request, "messaging/notification_detail.html", {"notification": notification})


@login_required
def notification_settings(request):
    preferences = notification_preferences(user_id=request.user.pk)
    form = NotificationPreferencesForm(
        request.POST if request.method == "POST" else None, instance=preferences
    )
    if request.method == "POST" and form.is_valid():
        save_notification_preferences(user=request.user, values=form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("messaging:notification_settings")
    return render(request, "messaging/notification_settings.html", {"form": form})


# Calls ------------------------------------------------------------------------------------------


def _call_screen(request, *, access, call=None, may_start: bool = False):
    """The call screen. The call itself runs over the socket (static/js/call.js); the page
    only says where the member is and what the call will and will not do."""
    conversation = access.conversation
    return render(
        request,
        "messaging/call.html",
        {
            "call": call,
            "conversation": conversation,
            "private": conversation.kind == Conversation.Kind.SUPPORT,
            "may_start": may_start,
            "calls_available": calls_available(),
            "back": _conversation_url(conversation),
            "video_limit": settings.KINDRED_CALL_VIDEO_LIMIT,
            "voice_limit": settings.KINDRED_CALL_VOICE_LIMIT,
            "call_texts": call_texts(),
        },
    )


def call_texts() -> dict:
    """What static/js/call.js says to people, in their language."""
    return {
        "connecting": _("Connecting…"),
        "waiting": _("Waiting for the host to let you in."),
        "joined": _("You are in the call. Your camera and microphone are off."),
        "ended": _("The call has ended."),
        "ended_by_host": _("The host ended the call for everyone."),
        "host_left": _("The host left, so the call ended."),
        "removed": _("The host removed you from this call."),
        "turned_away": _("The host did not let you in."),
        "joined_elsewhere": _("You joined this call in another tab."),
        "not_found": _("This call is not available."),
        "muted": _("The host muted your microphone."),
        "unmute_asked": _("The host asks you to unmute. Turn your microphone on if you wish."),
        "video_stopped": _("The host stopped your video."),
        "video_allowed": _("The host allowed your video again."),
        "screen_allowed": _("The host allowed you to share your screen."),
        "screen_stopped": _("The host stopped your screen sharing."),
        "now_host": _("You are now the host of this call."),
        "no_device": _("Your browser did not give access to that device."),
        "arrived": _("%(name)s joined the call."),
        "departed": _("%(name)s left the call."),
        "you": _("%(name)s (you)"),
        "host": _("Host"),
        "mic_off": _("Microphone off"),
        "admit": _("Let in"),
        "turn_away": _("Turn away"),
        "mute": _("Mute"),
        "ask_unmute": _("Ask to unmute"),
        "stop_video": _("Stop video"),
        "allow_video": _("Allow video"),
        "allow_screen": _("Allow screen sharing"),
        "stop_screen": _("Stop screen sharing"),
        "make_host": _("Make host"),
        "remove": _("Remove"),
        "remove_confirm": _("Remove %(name)s from the call? They cannot come back."),
        "cancel": _("Cancel"),
        "report": _("Report %(name)s"),
        "locked": _("The call is locked: nobody new can join."),
        "unlocked": _("The call is open to members again."),
    }


def _conversation_url(conversation) -> str:
    if conversation.kind == Conversation.Kind.ROOM:
        return reverse("messaging:room", args=[conversation.group.slug])
    return reverse("messaging:conversation", args=[conversation.pk])


@login_required
def call_page(request, call_id: str):
    """A call by its unguessable id, through the conversation's own access check: for anyone
    else, and for a call that has ended, 404."""
    try:
        call_access = get_call_access_or_404(user=request.user, call_id=call_id)
    except MessagingDenied:
        raise Http404 from None
    return _call_screen(request, access=call_access.access, call=call_access.call)


@login_required
def call_start(request, conversation_id: int):
    """Where a host starts a call (the socket's `call.start`); the call already going on
    here, if there is one."""
    try:
        access = get_conversation_access_or_404(user=request.user, conversation_id=conversation_id)
        check_start_call(access=access)
    except MessagingDenied:
        raise Http404 from None
    existing = active_call_in(conversation_id=conversation_id)
    if existing is not None:
        return redirect("messaging:call", call_id=existing.public_id)
    return _call_screen(request, access=access, may_start=True)


@login_required
@require_POST
def call_to_journal(request, call_id: str):
    """ "Save to my journal": one step, then the new entry (the journal asks for the password
    again there if it is locked)."""
    call = get_call_for_record_or_404(user=request.user, call_id=call_id)
    entry = call_services.save_call_to_journal(call=call, owner=request.user)
    messages.success(request, _("The call is saved in your journal."))
    return redirect("journal_entry", public_id=entry.public_id)
