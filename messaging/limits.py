"""How fast members may write: the per-member rate limit (all conversations together) and a
room's slow mode. Counted in the live store (messaging/live_store.py), so every process agrees;
pages count through the store's blocking calls, sockets through its event-loop ones.
"""

import time

from django.conf import settings

from messaging.errors import denied
from messaging.live_store import live_store


class SendLimits:
    """The one rule, for one send: which counters it spends and when it is refused."""

    def __init__(self, access):
        self.limit, self.seconds = settings.KINDRED_CHAT_RATE_LIMIT
        self.now = time.time()
        self.rate_key = f"rate:{access.user_id}:{int(self.now // self.seconds)}"
        slow_mode = access.conversation.slow_mode_seconds
        self.slow_mode = slow_mode if slow_mode and not access.can_moderate else 0
        self.slow_key = f"slow:{access.conversation.pk}:{access.user_id}"

    def judge_rate(self, count: int) -> None:
        if count > self.limit:
            raise denied(
                "rate_limited", retry_after=round(self.seconds - self.now % self.seconds, 1)
            )

    def judge_slow_mode(self, claimed: bool) -> None:
        if not claimed:
            raise denied("slow_mode", retry_after=self.slow_mode)


def check_send_limits(*, access) -> None:
    """Raises MessagingDenied("rate_limited" or "slow_mode", with `retry_after`)."""
    limits, store = SendLimits(access), live_store()
    limits.judge_rate(store.hit_sync(limits.rate_key, limits.seconds * 2))
    if limits.slow_mode:
        limits.judge_slow_mode(store.claim_sync(limits.slow_key, limits.slow_mode))


async def acheck_send_limits(*, access) -> None:
    """The same, from the event loop (a socket's send)."""
    limits, store = SendLimits(access), live_store()
    limits.judge_rate(await store.hit(limits.rate_key, limits.seconds * 2))
    if limits.slow_mode:
        limits.judge_slow_mode(await store.claim(limits.slow_key, limits.slow_mode))
