"""/ws/moderation/: live review-queue updates for moderators who are online.

Frames carry an item id only; the page then fetches the queue through the permission-checked
view, so nothing private (a flagger, content) ever travels in a frame. That is also why this
socket does not listen on the member's personal group: a moderator who loses their role or is
suspended keeps at most a stream of ids, and every fetch is checked again.

A refused socket is accepted and then closed with 4401 (not signed in) or 4403 (not a
moderator, or no two-factor authentication), as docs/protocol.md says: closing before
accepting would answer HTTP 403, which a browser reports as a network failure (1006), so the
page could not tell a refusal from an outage and would keep reconnecting. Nothing is sent
before the close.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from community.permissions import has_mfa
from moderation.live import SITE_QUEUE_GROUP, group_queue_channel
from moderation.permissions import moderated_group_ids

# Close codes (docs/protocol.md).
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_ALLOWED = 4403


@database_sync_to_async
def _queue_channels_for(user) -> list[str] | None:
    if not has_mfa(user):
        return None
    group_ids = moderated_group_ids(user)
    if group_ids is None:
        return [SITE_QUEUE_GROUP]
    if not group_ids:
        return None
    return [group_queue_channel(group_id) for group_id in sorted(group_ids)]


class ModerationQueueConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_NOT_SIGNED_IN)
            return
        channels = await _queue_channels_for(user)
        if channels is None:
            await self._refuse(CLOSE_NOT_ALLOWED)
            return
        self.listening = channels
        for name in self.listening:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()

    async def _refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code):
        for name in getattr(self, "listening", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "code": "read_only"})

    async def queue_changed(self, event):
        await self.send_json(
            {"type": "queue.changed", "item_id": event["item_id"], "urgent": event["urgent"]}
        )
