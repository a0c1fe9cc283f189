"""Demo conversations for `make run`: a live room with a few messages and a message request.
Idempotent: rows are found by fixed client ids and the direct-conversation key."""

from community.models import Group, User
from messaging.models import Conversation, ConversationParticipant
from messaging.selectors.conversations import direct_key_for
from messaging.services.conversations import get_or_create_group_room, store_message

ROOM_LINES = [
    ("river@example.com", "demo-room-1", "Welcome to the live room. Take your time."),
    ("maple@example.com", "demo-room-2", "Thanks. Glad there is a place to talk in real time."),
]


def seed_conversations() -> list:
    group = Group.objects.filter(name="Speaking up at work").first()
    if group is not None:
        room = get_or_create_group_room(group=group)
        for email, client_id, body in ROOM_LINES:
            store_message(
                conversation_id=room.pk,
                sender=User.objects.get(email=email),
                body=body,
                client_id=client_id,
            )
    river = User.objects.get(email="river@example.com")
    maple = User.objects.get(email="maple@example.com")
    conversation, created = Conversation.objects.get_or_create(
        direct_key=direct_key_for(river.pk, maple.pk),
        defaults={"kind": Conversation.Kind.DIRECT},
    )
    if created:
        ConversationParticipant.objects.create(conversation=conversation, user=river)
        ConversationParticipant.objects.create(
            conversation=conversation, user=maple, state=ConversationParticipant.State.REQUESTED
        )
        store_message(
            conversation_id=conversation.pk,
            sender=river,
            client_id="demo-dm-1",
            body="Hi, I saw your reply in the group. Would you like to talk?",
        )
    # The members' logins are printed by community.demo.accounts.seed_accounts.
    return []
