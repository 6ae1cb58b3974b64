"""Who is online in a room, agreed on by every server process.

Each open socket is an entry "<user_id>:<connection>" whose score is the time it lapses. A live
connection pushes its expiry forward on a heartbeat; a crashed process stops doing so and its
users drop out after PRESENCE_TTL, swept by whichever connection looks next. With REDIS_URL the
entries are a Redis sorted set per room (one state for all processes); without it they live in the
process-local cache, which is all a single embedded process needs.
"""

import threading
import time
from functools import lru_cache

import redis
from django.conf import settings
from django.core.cache import cache


def presence_ttl() -> float:
    return float(getattr(settings, "ROOM_PRESENCE_TTL", 45))


def heartbeat_interval() -> float:
    return max(presence_ttl() / 3, 0.2)


def _key(room_id: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX") or "codenest"
    return f"{prefix}:presence:room:{room_id}"


def _entry(user_id: int, connection: str) -> str:
    return f"{user_id}:{connection}"


def _user_of(entry: str | bytes) -> int:
    text = entry.decode() if isinstance(entry, bytes) else entry
    return int(text.split(":", 1)[0])


class RedisPresence:
    def __init__(self, url: str):
        self.redis = redis.Redis.from_url(url)

    def touch(self, room_id: int, entry: str, expires: float) -> None:
        key = _key(room_id)
        pipe = self.redis.pipeline()
        pipe.zadd(key, {entry: expires})
        pipe.expire(key, int(presence_ttl() * 2) + 1)
        pipe.execute()

    def remove(self, room_id: int, entry: str) -> bool:
        return bool(self.redis.zrem(_key(room_id), entry))

    def live(self, room_id: int, now: float) -> list[str]:
        return [e.decode() for e in self.redis.zrangebyscore(_key(room_id), f"({now}", "+inf")]  # type: ignore[union-attr]  # redis answers bytes

    def lapsed(self, room_id: int, now: float) -> list[str]:
        return [e.decode() for e in self.redis.zrangebyscore(_key(room_id), "-inf", now)]  # type: ignore[union-attr]  # redis answers bytes


class CachePresence:
    """The same entries as a dict in the cache; the lock makes read-modify-write safe in one process."""

    lock = threading.Lock()

    def _update(self, room_id: int, change) -> object:
        with self.lock:
            entries = cache.get(_key(room_id)) or {}
            result = change(entries)
            cache.set(_key(room_id), entries, timeout=int(presence_ttl() * 2) + 1)
            return result

    def touch(self, room_id: int, entry: str, expires: float) -> None:
        self._update(room_id, lambda entries: entries.__setitem__(entry, expires))

    def remove(self, room_id: int, entry: str) -> bool:
        return self._update(room_id, lambda entries: entries.pop(entry, None) is not None)  # type: ignore[return-value]  # the callback's result

    def live(self, room_id: int, now: float) -> list[str]:
        return [entry for entry, expires in (cache.get(_key(room_id)) or {}).items() if expires > now]

    def lapsed(self, room_id: int, now: float) -> list[str]:
        return [entry for entry, expires in (cache.get(_key(room_id)) or {}).items() if expires <= now]


@lru_cache(maxsize=4)
def _redis_store(url: str) -> RedisPresence:
    return RedisPresence(url)


def _store():
    url = getattr(settings, "REDIS_URL", "")
    return _redis_store(url) if url else CachePresence()


def _user_is_live(store, room_id: int, user_id: int, now: float) -> bool:
    return any(_user_of(entry) == user_id for entry in store.live(room_id, now))


def presence_enter(*, room_id: int, user_id: int, connection: str) -> bool:
    """Register a connection; True when the user was not online in the room before it."""
    store, now = _store(), time.time()
    was_online = _user_is_live(store, room_id, user_id, now)
    store.touch(room_id, _entry(user_id, connection), now + presence_ttl())
    return not was_online


def presence_refresh(*, room_id: int, user_id: int, connection: str) -> None:
    _store().touch(room_id, _entry(user_id, connection), time.time() + presence_ttl())


def presence_leave(*, room_id: int, user_id: int, connection: str) -> bool:
    """Drop a connection; True when the user has no other live connection left in the room."""
    store = _store()
    store.remove(room_id, _entry(user_id, connection))
    return not _user_is_live(store, room_id, user_id, time.time())


def presence_sweep(*, room_id: int) -> list[int]:
    """Remove lapsed entries (of crashed processes); return the users who thereby went offline.

    Only the caller whose removal succeeded reports a user, so two sweeping processes do not
    both announce the same departure.
    """
    store, now = _store(), time.time()
    gone = set()
    for entry in store.lapsed(room_id, now):
        if store.remove(room_id, entry):
            gone.add(_user_of(entry))
    return [user_id for user_id in gone if not _user_is_live(store, room_id, user_id, now)]


def presence_online(*, room_id: int) -> set[int]:
    return {_user_of(entry) for entry in _store().live(room_id, time.time())}
