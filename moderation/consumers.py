"""/ws/moderation/: live review-queue updates for moderators who are online.

Frames carry an item id only; the page then fetches the queue through the permission-checked
view, so nothing private (a flagger, content) ever travels in a frame. Like every socket it
lives exactly as long as its session (messaging.sockets.SessionSocket): signing out, a
suspension or a password change closes it with 4001.

A refused socket is accepted and then closed with 4401 (not signed in) or 4403 (not a
moderator, or no two-factor authentication), as docs/protocol.md says: closing before
accepting would answer HTTP 403, which a browser reports as a network failure (1006), so the
page could not tell a refusal from an outage and would keep reconnecting. Nothing is sent
before the close.
"""

import json

from community.permissions import has_mfa
from messaging.db import database
from messaging.sockets import SessionSocket
from moderation.live import SITE_QUEUE_GROUP, group_queue_channel
from moderation.permissions import moderated_group_ids

# Close codes (docs/protocol.md).
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_ALLOWED = 4403


def _queue_channels_for(user) -> list[str] | None:
    if not has_mfa(user):
        return None
    group_ids = moderated_group_ids(user)
    if group_ids is None:
        return [SITE_QUEUE_GROUP]
    if not group_ids:
        return None
    return [group_queue_channel(group_id) for group_id in sorted(group_ids)]


class ModerationQueueConsumer(SessionSocket):
    listening: list[str] = []

    async def connect(self):
        if not await self.open_session():
            await self._refuse(CLOSE_NOT_SIGNED_IN)
            return
        channels = await database(_queue_channels_for)(self.user)
        if channels is None:
            await self._refuse(CLOSE_NOT_ALLOWED)
            return
        self.listening = channels
        for name in self.listening:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()
        self.watch_expiry()

    async def _refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code):
        for name in self.listening:
            await self.channel_layer.group_discard(name, self.channel_name)
        await super().disconnect(code)

    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=json.dumps({"type": "error", "code": "read_only"}))

    async def queue_changed(self, event):
        await self.send(
            text_data=json.dumps(
                {"type": "queue.changed", "item_id": event["item_id"], "urgent": event["urgent"]}
            )
        )
