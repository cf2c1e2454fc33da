"""Rate limits in the shared cache (`apps.core.cache`: Redis in production, a file cache on the
embedded default), so every gunicorn worker and web replica counts together.

One way to count, a sliding window (`sliding_window`): at most N events for one key in ANY
period of the window's length, one cache round trip. A fixed window (a counter per clock
window) lets a client spend twice the budget across a window's end; this does not.

A `Limit` (`hit`) is `count` events per `window_s` seconds for one key (e.g. a client
address); keys are hashed, so no address or token is written to the cache. Its callers count
*failures* (a wrong share token, a wrong API token), never successes: a valid link or token
keeps working for everybody, whoever else is guessing from the same address (behind a proxy
every customer may share one). A refused event is not counted: a guesser is let in again one
guess at a time as its oldest counted ones leave the window.

The API's request throttles (apps/api/throttles.py) count every request, every scope of a
request in one `sliding_window` call.

Like every user of the shared cache, limits protect capacity, not secrecy (tokens carry 256
bits): while the cache is away every check passes.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

# The limiter's clock (tests inject theirs: `monkeypatch.setattr(ratelimit, "clock", ...)`).
clock: Callable[[], float] = time.time


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


def hit(limit: Limit, key: str) -> int | None:
    """Count one event for `key` against `limit` in its sliding window: None when counted,
    else the whole seconds (at least 1, for Retry-After) until the oldest counted event leaves
    the window; a refused event is not counted."""
    limit = limit.effective()
    wait = sliding_window([(f"ratelimit:{limit.name}:{key}", limit.count, limit.window_s)])[0]
    return None if wait is None else max(1, math.ceil(wait))


def sliding_window(checks: list[tuple[str, int, float]]) -> list[float | None]:
    """Count one request against each `(key, limit, window_s)`: at most `limit` requests in
    any `window_s` seconds (the times of the counted requests are kept, as DRF's throttles
    keep their history). Per check: None when it was counted, or the seconds until the oldest
    counted request leaves the window when refused (then it is not counted). Keys are hashed.

    On Redis all checks are one round trip (one atomic script: two workers cannot lose each
    other's counts, as a read-then-write history does); elsewhere (the file cache of the
    embedded default) under the cache's lock. While the cache is away: every check passes."""
    now = clock()
    hashed = [(_hashed(key), n, w) for key, n, w in checks]
    counted = getattr(cache, "sliding_window", None)
    if counted is not None:
        return counted(hashed, now)  # type: ignore[no-any-return]
    locked = getattr(cache, "_locked", contextlib.nullcontext)
    with locked():
        return [_sliding_window_here(key, n, w, now) for key, n, w in hashed]


HASHED_KEPT = 4096
_hashed_kept: dict[str, str] = {}


def _hashed(key: str) -> str:
    """The cache key of `key`'s window (`window:` + 32 hex digits of its SHA-256), kept per
    process for the callers seen lately (forgotten all at once past HASHED_KEPT): a throttled
    API request counts one to three keys, each made afresh cost ~3 k instructions."""
    made = _hashed_kept.get(key)
    if made is None:
        made = f"window:{hashlib.sha256(key.encode('utf-8', 'replace')).hexdigest()[:32]}"
        if len(_hashed_kept) >= HASHED_KEPT:
            _hashed_kept.clear()
        _hashed_kept[key] = made
    return made


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
