"""How fast members may write: the per-member rate limit (all conversations together) and a
room's slow mode. Counted in the live store (messaging/live_store.py), so every process agrees.
"""

import time

from django.conf import settings

from messaging.errors import denied
from messaging.live_store import live_store


def check_send_limits(*, access) -> None:
    """Raises MessagingDenied("rate_limited" or "slow_mode", with `retry_after`)."""
    limit, seconds = settings.KINDRED_CHAT_RATE_LIMIT
    now = time.time()
    window = int(now // seconds)
    store = live_store()
    if store.hit_sync(f"rate:{access.user_id}:{window}", seconds * 2) > limit:
        raise denied("rate_limited", retry_after=round(seconds - now % seconds, 1))
    slow_mode = access.conversation.slow_mode_seconds
    if slow_mode and not access.can_moderate:
        if not store.claim_sync(f"slow:{access.conversation.pk}:{access.user_id}", slow_mode):
            raise denied("slow_mode", retry_after=slow_mode)
