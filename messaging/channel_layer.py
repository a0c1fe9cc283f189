"""The embedded mode's channel layer: channels' in-memory layer, with its expiry sweep run at
most once a second.

channels' `InMemoryChannelLayer` sweeps every channel and every group for expired messages on
each `send`, `group_send` and `receive`. With one channel per open socket that sweep is what a
busy room paid most for in embedded mode (about 0.35 ms per call with 200 sockets, two or
three calls per message; docs/performance.md). Expiry is measured in seconds (messages after
`expiry`, group memberships after `group_expiry`), so sweeping once a second keeps its meaning.
"""

import time

from channels.layers import InMemoryChannelLayer

SWEEP_EVERY = 1.0


class EmbeddedChannelLayer(InMemoryChannelLayer):
    _last_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_EVERY:
            return
        self._last_sweep = now
        super()._clean_expired()
