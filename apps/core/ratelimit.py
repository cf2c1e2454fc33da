"""Rate limits in the shared cache (`apps.core.cache`: Redis in production, a file cache on the
embedded default), so every gunicorn worker and web replica counts together.

A limit is `count` events per fixed window of `window_s` seconds for one key (e.g. a client
address); the counter's key is a hash of the key, so no address or token is written to the
cache. Callers count *failures* (a wrong share token, a wrong API token), never successes:
a valid link or token keeps working for everybody, whoever else is guessing from the same
address (behind a proxy every customer may share one).

The API's request throttles (apps/api/throttles.py) count every request instead, in a sliding
window (`sliding_window`): at most N requests in any period, one cache round trip a request.

Like every user of the shared cache, limits protect capacity, not secrecy (tokens carry 256
bits): while the cache is away counters read as zero and requests pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    """`count` events per `window_s` seconds; settings.RATE_LIMITS[name] overrides both
    ("30/600": 30 per 600 s)."""

    name: str
    count: int
    window_s: int

    def effective(self) -> Limit:
        spec = settings.RATE_LIMITS.get(self.name)
        if not spec:
            return self
        count, _, window = str(spec).partition("/")
        return Limit(self.name, int(count), int(window or self.window_s))


@dataclass(frozen=True)
class State:
    count: int  # events in the current window, this one included when counted
    retry_after: int  # seconds until the window ends (for Retry-After)
    limit: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


def _window(limit: Limit, key: str, now: float) -> tuple[str, int]:
    index = int(now // limit.window_s)
    digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
    retry_after = max(1, math.ceil((index + 1) * limit.window_s - now))
    return f"ratelimit:{limit.name}:{digest}:{index}", retry_after


def peek(limit: Limit, key: str) -> State:
    """The state of the window without counting."""
    limit = limit.effective()
    cache_key, retry_after = _window(limit, key, time.time())
    return State(int(cache.get(cache_key) or 0), retry_after, limit.count)


def hit(limit: Limit, key: str) -> State:
    """Count one event for `key`; `.exceeded` once more than `count` happened this window."""
    limit = limit.effective()
    cache_key, retry_after = _window(limit, key, time.time())
    cache.add(cache_key, 0, limit.window_s + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr, or the cache is away
        cache.set(cache_key, 1, limit.window_s + 1)
        count = 1
    return State(int(count), retry_after, limit.count)


def sliding_window(checks: list[tuple[str, int, float]]) -> list[float | None]:
    """Count one request against each `(key, limit, window_s)`: at most `limit` requests in
    any `window_s` seconds (the times of the counted requests are kept, as DRF's throttles
    keep their history). Per check: None when it was counted, or the seconds until the oldest
    counted request leaves the window when refused (then it is not counted). Keys are hashed.

    On Redis all checks are one round trip (one atomic script: two workers cannot lose each
    other's counts, as a read-then-write history does); elsewhere (the file cache of the
    embedded default) under the cache's lock. While the cache is away: every check passes."""
    now = time.time()
    hashed = [
        (f"window:{hashlib.sha256(key.encode('utf-8', 'replace')).hexdigest()[:32]}", n, w)
        for key, n, w in checks
    ]
    counted = getattr(cache, "sliding_window", None)
    if counted is not None:
        return counted(hashed, now)  # type: ignore[no-any-return]
    locked = getattr(cache, "_locked", contextlib.nullcontext)
    with locked():
        return [_sliding_window_here(key, n, w, now) for key, n, w in hashed]


def _sliding_window_here(key: str, limit: int, window_s: float, now: float) -> float | None:
    times = [t for t in cache.get(key, []) if t > now - window_s]
    if len(times) >= limit:
        return max(min(times, default=now) + window_s - now, 0.001)
    times.append(now)
    cache.set(key, times, math.ceil(window_s) + 1)
    return None


def wait_message(seconds: int) -> str:
    """`Try again in 3 minutes.` / `… in 40 seconds.`"""
    if seconds >= 90:
        minutes = math.ceil(seconds / 60)
        return f"Try again in {minutes} minutes."
    return f"Try again in {seconds} second{'s' if seconds != 1 else ''}."
