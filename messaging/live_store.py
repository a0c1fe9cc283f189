"""Short-lived state that every daphne process must share: send-rate counters, slow-mode
claims and room presence. Nothing here outlives its expiry, and nothing is ever a "last seen".

Two backends behind one interface, chosen like the channel layer (config/settings.py):

- memory (embedded mode, one process): plain dicts under a lock; a crash takes them along.
- Redis (`REDIS_URL`): counters with `INCR`/`EXPIRE`, claims with `SET NX EX`, and presence as
  sorted sets whose scores are expiry times, refreshed by each process's heartbeat. Entries of
  a process that died stop counting when their score passes and are swept (announced as
  departures) by the surviving processes (messaging/fanout.py).

Presence keys, per conversation C: `presence:C` (user id → latest expiry among that user's
sockets), `presence:C:<user>` (socket id → expiry), `presence:C:v` (a version counter, kept
for good, one small key per room: every arrival or departure takes the next value, so
processes apply changes in the order they happened even when they hear of them out of
order).
"""

import asyncio
import threading
import time
import weakref
from dataclasses import dataclass

import redis
import redis.asyncio
from django.conf import settings

# Connections per process and pool, and how long a caller waits for one (seconds).
MAX_CONNECTIONS = 16
POOL_WAIT = 10


@dataclass(frozen=True)
class PresenceChange:
    """A member arrived in (present=True) or left (present=False) a room; `version` orders
    changes of one room."""

    conversation_id: int
    user_id: int
    present: bool
    version: int


class MemoryLiveStore:
    """One process: everything in memory, shared by its event loop and its threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counters: dict[str, tuple[int, float]] = {}
        # conversation id -> user id -> socket ids
        self._presence: dict[int, dict[int, set[str]]] = {}
        self._versions: dict[int, int] = {}

    def clear(self) -> None:
        with self._lock:
            self._counters.clear()
            self._presence.clear()
            self._versions.clear()

    def _hit(self, key: str, seconds: float) -> int:
        now = time.monotonic()
        with self._lock:
            count, expires = self._counters.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + seconds
            self._counters[key] = (count + 1, expires)
            if len(self._counters) > 100_000:
                self._forget_expired(now)
            return count + 1

    def _claim(self, key: str, seconds: float) -> bool:
        now = time.monotonic()
        with self._lock:
            _count, expires = self._counters.get(key, (0, 0.0))
            if expires > now:
                return False
            self._counters[key] = (1, now + seconds)
            return True

    def _forget_expired(self, now: float) -> None:
        for key in [key for key, (_c, expires) in self._counters.items() if expires <= now]:
            del self._counters[key]

    def hit_sync(self, key: str, seconds: float) -> int:
        return self._hit(key, seconds)

    def claim_sync(self, key: str, seconds: float) -> bool:
        return self._claim(key, seconds)

    async def hit(self, key: str, seconds: float) -> int:
        return self._hit(key, seconds)

    async def claim(self, key: str, seconds: float) -> bool:
        return self._claim(key, seconds)

    def _next_version(self, conversation_id: int) -> int:
        version = self._versions.get(conversation_id, 0) + 1
        self._versions[conversation_id] = version
        return version

    async def presence_enter(
        self, *, conversation_id: int, user_id: int, socket_id: str
    ) -> PresenceChange | None:
        with self._lock:
            users = self._presence.setdefault(conversation_id, {})
            sockets = users.setdefault(user_id, set())
            first = not sockets
            sockets.add(socket_id)
            if not first:
                return None
            version = self._next_version(conversation_id)
        return PresenceChange(conversation_id, user_id, True, version)

    async def presence_leave(
        self, *, conversation_id: int, user_id: int, socket_id: str
    ) -> PresenceChange | None:
        with self._lock:
            users = self._presence.get(conversation_id, {})
            sockets = users.get(user_id)
            if not sockets or socket_id not in sockets:
                return None
            sockets.discard(socket_id)
            if sockets:
                return None
            del users[user_id]
            if not users:
                self._presence.pop(conversation_id, None)
            version = self._next_version(conversation_id)
        return PresenceChange(conversation_id, user_id, False, version)

    async def presence_refresh(self, entries) -> list[PresenceChange]:
        # Nothing expires in one process: its sockets and this memory end together.
        return []

    async def presence_sweep(self, conversation_ids) -> list[PresenceChange]:
        return []

    async def presence_members(self, *, conversation_id: int) -> tuple[int, set[int]]:
        with self._lock:
            return (
                self._versions.get(conversation_id, 0),
                set(self._presence.get(conversation_id, {})),
            )


# Enter: drop this user's expired sockets, add this one, raise the user's expiry; a new version
# when the user was not present before. KEYS: room set, user's socket set, version counter.
# ARGV: ttl seconds, socket id, user id.
_ENTER = """
local now = tonumber(redis.call('TIME')[1])
local ttl = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local before = redis.call('ZCARD', KEYS[2])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[2])
redis.call('EXPIRE', KEYS[2], ttl * 2)
local listed = redis.call('ZSCORE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[1], 'GT', now + ttl, ARGV[3])
redis.call('EXPIRE', KEYS[1], ttl * 2)
if before == 0 or not listed or tonumber(listed) <= now then
  -- The version counter never expires: a room's versions must only ever grow, or processes
  -- that heard of a higher one would ignore the next arrival.
  return redis.call('INCR', KEYS[3])
end
return 0
"""

# Leave: remove the socket; a new version when it was the user's last live socket.
# KEYS: room set, user's socket set, version counter. ARGV: socket id, user id.
_LEAVE = """
local now = tonumber(redis.call('TIME')[1])
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if removed == 1 and redis.call('ZCARD', KEYS[2]) == 0 then
  if redis.call('ZREM', KEYS[1], ARGV[2]) == 1 then
    return redis.call('INCR', KEYS[3])
  end
end
return 0
"""

# Sweep one room: users whose expiry passed lose their dead sockets; a user left with none is
# removed and gets a departure version (only the process whose ZREM succeeds reports it).
# KEYS: room set, version counter. ARGV: the user-set key prefix. Returns {user, version, ...}.
_SWEEP = """
local now = tonumber(redis.call('TIME')[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
local changes = {}
for _, user in ipairs(expired) do
  local sockets = ARGV[1] .. user
  redis.call('ZREMRANGEBYSCORE', sockets, '-inf', now)
  local newest = redis.call('ZRANGE', sockets, -1, -1, 'WITHSCORES')
  if #newest == 0 then
    if redis.call('ZREM', KEYS[1], user) == 1 then
      table.insert(changes, user)
      table.insert(changes, redis.call('INCR', KEYS[2]))
    end
  else
    redis.call('ZADD', KEYS[1], newest[2], user)
  end
end
return changes
"""

# Members: (version, user ids whose expiry has not passed), read together.
_MEMBERS = """
local now = tonumber(redis.call('TIME')[1])
local version = tonumber(redis.call('GET', KEYS[2]) or '0')
return {version, redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')}
"""


class RedisLiveStore:
    """Every process on one Redis: counters, claims and presence with expiry."""

    def __init__(self, url: str, prefix: str, presence_ttl: int):
        self.url = url
        self.prefix = prefix
        self.presence_ttl = presence_ttl
        # Bounded pools that make a caller wait for a free connection: a crowd joining at once
        # (a restart, a reconnect storm) queues for a few connections instead of opening
        # one per socket and hitting Redis's limits.
        self._sync = redis.Redis(
            connection_pool=redis.BlockingConnectionPool.from_url(
                url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT
            )
        )
        self._async_by_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _client(self) -> redis.asyncio.Redis:
        loop = asyncio.get_running_loop()
        client = self._async_by_loop.get(loop)
        if client is None:
            pool = redis.asyncio.BlockingConnectionPool.from_url(
                self.url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT
            )
            client = self._async_by_loop[loop] = redis.asyncio.Redis(connection_pool=pool)
        return client

    def _key(self, *parts) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    def clear(self) -> None:
        for key in self._sync.scan_iter(match=f"{self.prefix}:*", count=1000):
            self._sync.delete(key)

    def hit_sync(self, key: str, seconds: float) -> int:
        pipe = self._sync.pipeline(transaction=False)
        pipe.incr(self._key("hit", key))
        pipe.expire(self._key("hit", key), max(1, int(seconds)), nx=True)
        return pipe.execute()[0]

    def claim_sync(self, key: str, seconds: float) -> bool:
        return bool(self._sync.set(self._key("claim", key), 1, nx=True, ex=max(1, int(seconds))))

    async def hit(self, key: str, seconds: float) -> int:
        pipe = self._client().pipeline(transaction=False)
        pipe.incr(self._key("hit", key))
        pipe.expire(self._key("hit", key), max(1, int(seconds)), nx=True)
        return (await pipe.execute())[0]

    async def claim(self, key: str, seconds: float) -> bool:
        return bool(
            await self._client().set(self._key("claim", key), 1, nx=True, ex=max(1, int(seconds)))
        )

    def _presence_keys(self, conversation_id: int, user_id: int) -> list[str]:
        return [
            self._key("presence", conversation_id),
            self._key("presence", conversation_id, user_id),
            self._key("presence", conversation_id, "v"),
        ]

    async def presence_enter(
        self, *, conversation_id: int, user_id: int, socket_id: str
    ) -> PresenceChange | None:
        version = await self._client().eval(
            _ENTER,
            3,
            *self._presence_keys(conversation_id, user_id),
            self.presence_ttl,
            socket_id,
            user_id,
        )
        return PresenceChange(conversation_id, user_id, True, version) if version else None

    async def presence_leave(
        self, *, conversation_id: int, user_id: int, socket_id: str
    ) -> PresenceChange | None:
        version = await self._client().eval(
            _LEAVE, 3, *self._presence_keys(conversation_id, user_id), socket_id, user_id
        )
        return PresenceChange(conversation_id, user_id, False, version) if version else None

    async def presence_refresh(self, entries) -> list[PresenceChange]:
        """The heartbeat: `entries` are (conversation id, user id, socket id) of this process's
        present sockets; their expiry moves on. Returns arrivals, for entries that had expired
        meanwhile (a stalled process) and so had been announced as gone."""
        entries = list(entries)
        if not entries:
            return []
        pipe = self._client().pipeline(transaction=False)
        for conversation_id, user_id, socket_id in entries:
            pipe.eval(
                _ENTER,
                3,
                *self._presence_keys(conversation_id, user_id),
                self.presence_ttl,
                socket_id,
                user_id,
            )
        versions = await pipe.execute()
        return [
            PresenceChange(conversation_id, user_id, True, version)
            for (conversation_id, user_id, _socket), version in zip(entries, versions, strict=True)
            if version
        ]

    async def presence_sweep(self, conversation_ids) -> list[PresenceChange]:
        changes = []
        client = self._client()
        for conversation_id in conversation_ids:
            found = await client.eval(
                _SWEEP,
                2,
                self._key("presence", conversation_id),
                self._key("presence", conversation_id, "v"),
                self._key("presence", conversation_id, ""),
            )
            for index in range(0, len(found), 2):
                changes.append(
                    PresenceChange(conversation_id, int(found[index]), False, found[index + 1])
                )
        return changes

    async def presence_members(self, *, conversation_id: int) -> tuple[int, set[int]]:
        version, users = await self._client().eval(
            _MEMBERS,
            2,
            self._key("presence", conversation_id),
            self._key("presence", conversation_id, "v"),
        )
        return int(version), {int(user) for user in users}


_store = None
_store_lock = threading.Lock()


def live_store():
    """The process's store, built from settings on first use."""
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                config = settings.KINDRED_LIVE_STORE
                if config["url"]:
                    _store = RedisLiveStore(
                        config["url"], config["prefix"], settings.KINDRED_PRESENCE_TTL
                    )
                else:
                    _store = MemoryLiveStore()
    return _store
