"""The shared cache: Django's `RedisCache`, made safe for a Redis that other things also use.

One cache serves every gunicorn worker and web replica (API token authentication, throttles,
rate limits, share-link misses), so what one process writes (a revocation, a counter) the
others see at once. Configured in `config.settings.base.shared_cache` from `CACHE_URL`; on the
embedded default (no Redis) `SharedFileCache` at the end of this module.

Differences from the stock backend: one `redis.Redis` client object per process instead of one
per call (see `get_client`), and two for the portal's degraded modes (reliability.md):

- `clear()` deletes only this cache's keys (those under `KEY_PREFIX`), never `FLUSHDB`: the
  Celery broker's queues may live in the same Redis database.
- While Redis is unreachable, reads miss, writes are dropped and `incr` answers as for a
  missing key; after a failure the process leaves Redis alone for `OUTAGE_RETRY_SECONDS`
  so a request does not wait on a dead server once per cache call. Every user of the cache
  therefore has to treat it as a cache: token authentication falls back to the database,
  throttles let requests through (they protect capacity, not security).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import secrets
import time
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

KeyT = str | bytes | memoryview  # a cache key as Django's Redis client takes it

logger = logging.getLogger(__name__)

OUTAGE_RETRY_SECONDS = 5.0
_down_until: dict[str, float] = {}  # per Redis URL, shared by the threads of a process

T = TypeVar("T")


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.ConnectionError, redis.TimeoutError, OSError)


def _tolerant(fallback: Callable[..., Any]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Run the client call unless Redis is known to be away; on a connection failure note the
    outage and answer `fallback(*args)` instead."""

    def wrap(method: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(method)
        def call(self: SharedRedisCacheClient, *args: Any) -> T:
            if _down_until.get(self.url, 0.0) > time.monotonic():
                return fallback(*args)  # type: ignore[no-any-return]
            try:
                return method(self, *args)
            except _redis_errors() as exc:
                if _down_until.get(self.url, 0.0) == 0.0:
                    logger.warning("cache unavailable, serving without it: %s", exc)
                _down_until[self.url] = time.monotonic() + OUTAGE_RETRY_SECONDS
                return fallback(*args)  # type: ignore[no-any-return]

        return call

    return wrap


def _missing(key: str, *_: Any) -> Any:
    raise ValueError(f"Key '{key}' not found (cache unavailable).")


class SharedRedisCacheClient(RedisCacheClient):  # type: ignore[misc]
    def __init__(self, servers: list[str], *, clear_prefix: str, **options: Any) -> None:
        if not clear_prefix:
            raise ValueError("the shared Redis cache needs a KEY_PREFIX (clear() deletes it)")
        super().__init__(servers, **options)
        self.url = servers[0]
        self.clear_prefix = clear_prefix
        self._clients: dict[int, Any] = {}
        self._pid = os.getpid()  # the process the clients (and their connections) belong to
        self._sliding_script: Any = None  # redis-py Script (EVALSHA, loaded on first use)

    def get_client(self, key: KeyT | None = None, *, write: bool = False) -> Any:
        """One `redis.Redis` per connection pool and process, made once: the stock client
        makes a new one per call, and building its table of response callbacks cost ~0.13 ms
        of CPU each time — a third of an authenticated API request (bench/bench_api.py).

        The client holds one connection of the pool (`single_connection_client`; the
        process's threads take turns on it under redis-py's lock): taking a connection from
        redis-py 8's pool and giving it back cost ~40 µs of CPU per command, a quarter of an
        API request's two round trips (token lookup, throttles). The client is per process
        id: a connection made before a fork is never used by the child (redis-py's pool
        checks that on every `get_connection`, which the held connection skips)."""
        # Django's private client API (not in django-stubs): the pool index, the pool and the
        # redis client class it would build per call.
        if self._pid != os.getpid():  # a forked child: its own clients (and connections)
            self._clients, self._pid = {}, os.getpid()
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._clients[index] = self._client(  # type: ignore[attr-defined]
                connection_pool=pool, single_connection_client=True
            )
        return client

    def _recovered(self) -> None:
        if _down_until.pop(self.url, None):
            logger.info("cache available again")

    @_tolerant(lambda key, default: default)
    def get(self, key: str, default: Any) -> Any:
        value = super().get(key, default)
        self._recovered()
        return value

    @_tolerant(lambda keys: {})
    def get_many(self, keys: Iterable[KeyT]) -> dict[KeyT, Any]:
        return super().get_many(keys)

    @_tolerant(lambda key: False)
    def has_key(self, key: str) -> bool:
        return super().has_key(key)  # type: ignore[no-any-return]

    @_tolerant(lambda key, value, timeout: None)
    def set(self, key: str, value: Any, timeout: int | None) -> None:
        super().set(key, value, timeout)

    @_tolerant(lambda data, timeout: None)
    def set_many(self, data: dict[str, Any], timeout: int | None) -> None:
        # None means "no expiry": Django passes it (django-stubs types it int | timedelta).
        super().set_many(data, timeout)  # type: ignore[arg-type]

    @_tolerant(lambda key, value, timeout: False)
    def add(self, key: str, value: Any, timeout: int | None) -> bool:
        return super().add(key, value, timeout)  # type: ignore[no-any-return]

    @_tolerant(lambda key, timeout: False)
    def touch(self, key: str, timeout: int | None) -> bool:
        return super().touch(key, timeout)  # type: ignore[arg-type]  # None: as set_many

    @_tolerant(_missing)
    def incr(self, key: str, delta: int) -> int:
        return super().incr(key, delta)  # type: ignore[no-any-return]

    @_tolerant(lambda key: False)
    def delete(self, key: str) -> bool:
        return super().delete(key)  # type: ignore[no-any-return]

    @_tolerant(lambda keys: None)
    def delete_many(self, keys: Any) -> None:
        super().delete_many(keys)

    @_tolerant(lambda: False)
    def clear(self) -> bool:
        """Delete this cache's keys only (SCAN by prefix), never the whole database."""
        client = self.get_client(None, write=True)
        pattern = _glob_escape(self.clear_prefix) + ":*"
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
        return True

    @_tolerant(lambda checks, now, member: [None] * len(checks))
    def sliding_window(
        self, checks: list[tuple[str, int, float]], now: float, member: str
    ) -> list[float | None]:
        """`apps.core.ratelimit.sliding_window` in one round trip (a Lua script, atomic)."""
        client = self.get_client(None, write=True)
        if self._sliding_script is None:
            self._sliding_script = client.register_script(_SLIDING_WINDOW_LUA)
        args: list[Any] = [repr(now), member]
        for _, limit, window_s in checks:
            args += [limit, repr(float(window_s))]
        keys = [key for key, _, _ in checks]
        answers = self._sliding_script(keys=keys, args=args, client=client)
        return [float(a) if a else None for a in answers]


# One sorted set of request times per key (score = time, member unique per request). Per key:
# drop the times at or before now - window; refuse with the seconds until the oldest leaves
# when `limit` are left, else record this request (and keep the key a window longer).
_SLIDING_WINDOW_LUA = """
local now = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i + 1])
  local window = tonumber(ARGV[2 * i + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local since = oldest[2] and tonumber(oldest[2]) or now
    out[i] = tostring(math.max(since + window - now, 0.001))
  else
    redis.call('ZADD', key, now, ARGV[2])
    redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
    out[i] = ''
  end
end
return out
"""


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class SharedRedisCache(RedisCache):  # type: ignore[misc]
    """`RedisCache` with a prefix-scoped `clear()` and outage tolerance (module docstring)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = functools.partial(SharedRedisCacheClient, clear_prefix=self.key_prefix)
        self._made_kept: dict[str, str] = {}  # `_made_key`

    def sliding_window(
        self, checks: list[tuple[str, int, float]], now: float
    ) -> list[float | None]:
        """Count one request against each (key, limit, window_s) in one round trip; per check
        None (counted) or the seconds to wait (refused, not counted). See ratelimit.py."""
        made = [(self._made_key(key), limit, window) for key, limit, window in checks]
        client = typing.cast(SharedRedisCacheClient, self._cache)
        return client.sliding_window(made, now, secrets.token_hex(8))

    MADE_KEPT = 4096

    def _made_key(self, key: str) -> str:
        """`make_and_validate_key(key)` (a pure function of the key, this cache's prefix and
        version), kept for the keys seen lately (forgotten all at once past MADE_KEPT): the
        sliding windows' keys come back on every request of their caller, and Django's
        making and checking cost ~2 µs a key (two to three a throttled API request)."""
        kept = self._made_kept
        made = kept.get(key)
        if made is None:
            made = self.make_and_validate_key(key)
            if len(kept) >= self.MADE_KEPT:
                kept.clear()
            kept[key] = made
        return made


class SharedFileCache(FileBasedCache):  # type: ignore[misc]
    """Django's file cache (the embedded default's shared store: every process of one
    machine) with `incr` and `add` made atomic across processes by an exclusive `flock` on
    one lock file: the stock ones are a read then a write, so concurrent workers lose counts
    (a rate limit counted 21 of 30 hits from three processes)."""

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        directory: str = self._dir  # type: ignore[attr-defined]  # FileBasedCache's, untyped
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, ".lock"), "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        with self._locked():
            return super().add(key, value, timeout, version)  # type: ignore[no-any-return]

    def incr(self, key: str, delta: int = 1, version: Any = None) -> int:
        with self._locked():
            return super().incr(key, delta, version)  # type: ignore[no-any-return]
