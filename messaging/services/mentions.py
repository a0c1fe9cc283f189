"""Mentions in rooms: recording whom a message mentions, telling each of them once.

Who may be mentioned is messaging.selectors.mentions'; this module writes the Mention rows
(one per member and message, kept when an edit drops the mention so that adding it back
tells nobody twice), sends the `mention` notification (messaging.services.notifications, which
honours the member's preference and the discreet bell) and, after commit, the `unread` frame.
"""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from messaging.models import Mention, Message
from messaging.selectors.mentions import MentionableMember
from messaging.services.notifications import notify
from messaging.services.unread import announce_unread


def record_mentions(
    *,
    message: Message,
    access,
    mentioned: list[MentionableMember],
    sender_name: str,
    new_message: bool,
) -> None:
    """Records the mentions `message` now makes (the whole list: an edit passes what the new
    text mentions). Only members mentioned for the first time in this message are notified.
    Call inside the transaction that stored the message."""
    if message.deleted_at is not None or message.hidden_at is not None:
        return
    mentioned_ids = {member.user_id for member in mentioned}
    known = (
        {}
        if new_message
        else dict(Mention.objects.filter(message=message).values_list("user_id", "active"))
    )
    if not mentioned_ids and not known:
        return
    first_time = [user_id for user_id in mentioned_ids if user_id not in known]
    back = [user_id for user_id, active in known.items() if not active and user_id in mentioned_ids]
    dropped = [
        user_id for user_id, active in known.items() if active and user_id not in mentioned_ids
    ]
    Mention.objects.bulk_create(
        [
            Mention(message=message, conversation_id=message.conversation_id, user_id=user_id)
            for user_id in first_time
        ],
        ignore_conflicts=True,
    )
    if back:
        Mention.objects.filter(message=message, user_id__in=back).update(active=True)
    if dropped:
        Mention.objects.filter(message=message, user_id__in=dropped).update(active=False)
    group = access.conversation.group
    url = reverse("messaging:room", args=[group.slug]) + f"#message-{message.pk}"

    def text():
        return _("%(name)s mentioned you in %(group)s") % {"name": sender_name, "group": group.name}

    for user_id in sorted(first_time):
        notify(recipient_id=user_id, kind="mention", text=text, url=url)
    changed = sorted([*first_time, *back, *dropped])
    if changed:
        transaction.on_commit(
            lambda: announce_unread(conversation_id=message.conversation_id, user_ids=changed)
        )
