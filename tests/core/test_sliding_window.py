"""The API throttles' sliding window (apps.core.ratelimit.sliding_window): at most N requests in
any period, every scope of a request in one cache round trip, on Redis and on the embedded
default's file cache; concurrent callers never lose each other's counts."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from apps.core import ratelimit
from apps.core.cache import SharedFileCache


@pytest.fixture(params=["redis", "file"])
def backend(request, settings, tmp_path, monkeypatch) -> Iterator[str]:
    if request.param == "file":
        monkeypatch.setattr(ratelimit, "cache", SharedFileCache(str(tmp_path / "cache"), {}))
    elif not settings.CACHES["default"]["BACKEND"].endswith("SharedRedisCache"):
        pytest.skip("Redis is not configured")
    yield request.param


class Clock:
    def __init__(self, monkeypatch) -> None:
        self.now = 1_000_000.0
        monkeypatch.setattr(ratelimit, "clock", lambda: self.now)


def test_n_in_any_window_then_the_wait_until_the_oldest_leaves(backend, monkeypatch) -> None:
    clock = Clock(monkeypatch)
    check = [("caller-a", 3, 60)]
    start, answers = clock.now, []
    for t in (0.0, 10.0, 20.0, 30.0):
        clock.now = start + t
        answers.append(ratelimit.sliding_window(check)[0])
    assert answers[:3] == [None, None, None]
    assert answers[3] == pytest.approx(30.0)  # the first (t=0) leaves at t=60; now t=30
    clock.now += 29.0  # t=59: still three in the last 60 s (the refused one did not count)
    assert ratelimit.sliding_window(check)[0] == pytest.approx(1.0)
    clock.now += 1.0  # t=60: the first left
    assert ratelimit.sliding_window(check) == [None]
    assert ratelimit.sliding_window(check)[0] == pytest.approx(10.0)  # t=10 leaves at 70
    assert ratelimit.sliding_window([("caller-b", 3, 60)]) == [None]  # its own budget


def test_scopes_counted_together_each_with_its_own_limit(backend, monkeypatch) -> None:
    Clock(monkeypatch)
    checks = [("read:x", 5, 60), ("sizing:x", 1, 60)]
    assert ratelimit.sliding_window(checks) == [None, None]
    read, sizing = ratelimit.sliding_window(checks)
    assert read is None and sizing == pytest.approx(60.0)  # refused scope only
    for _ in range(3):
        ratelimit.sliding_window(checks[:1])
    assert ratelimit.sliding_window(checks[:1])[0] == pytest.approx(60.0)  # 5 read counted


def test_concurrent_callers_count_together(backend) -> None:
    """8 threads x 25 requests against a limit of 120: exactly 120 pass (a read-then-write
    history loses counts when two workers interleave)."""
    passed: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def caller() -> None:
        start.wait()
        mine = [ratelimit.sliding_window([("busy", 120, 600)])[0] is None for _ in range(25)]
        with lock:
            passed.extend(mine)

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(passed) == 200 and sum(passed) == 120


def test_keys_are_hashed_and_the_redis_script_is_one_round_trip(settings, monkeypatch) -> None:
    if not settings.CACHES["default"]["BACKEND"].endswith("SharedRedisCache"):
        pytest.skip("Redis is not configured")
    client = cache._cache.get_client(None, write=True)
    calls: list[str] = []
    original = client.execute_command

    def counting(*args, **kwargs):
        calls.append(str(args[0]))
        return original(*args, **kwargs)

    ratelimit.sliding_window([("203.0.113.9", 5, 60)])  # loads the script
    monkeypatch.setattr(client, "execute_command", counting)
    ratelimit.sliding_window([("203.0.113.9", 5, 60), ("token:9", 5, 60), ("z", 1, 1)])
    assert calls == ["EVALSHA"]
    keys = [k.decode() for k in client.scan_iter(match=f"{cache.key_prefix}:*window:*")]
    assert keys and not any("203.0.113.9" in k for k in keys)


def test_without_the_cache_every_check_passes(settings, monkeypatch) -> None:
    """Throttles protect capacity, not security: while Redis is away requests pass."""
    if not settings.CACHES["default"]["BACKEND"].endswith("SharedRedisCache"):
        pytest.skip("Redis is not configured")
    from apps.core import cache as shared

    monkeypatch.setitem(shared._down_until, cache._cache.url, float("inf"))
    assert ratelimit.sliding_window([("k", 0, 60), ("l", 0, 60)]) == [None, None]


def test_window_keys_are_made_once_per_caller(settings, monkeypatch) -> None:
    """The keys of a caller's windows are hashed and made (Django's make_and_validate_key) on
    its first request only: 3 k + ~6 k instructions a key a request before
    (bench/bench_api_callgrind.py); the keys in Redis are the same."""
    if not settings.CACHES["default"]["BACKEND"].endswith("SharedRedisCache"):
        pytest.skip("Redis is not configured")
    from django.core.cache import caches

    real = caches["default"]
    made: list[str] = []
    original = real.make_and_validate_key

    def counting(key, version=None):
        made.append(key)
        return original(key, version)

    monkeypatch.setattr(real, "make_and_validate_key", counting)
    monkeypatch.setattr(ratelimit, "_hashed_kept", {})
    monkeypatch.setattr(real, "_made_kept", {})
    checks = [("write:token:41", 5, 60), ("sizing:token:41", 5, 60)]
    for _ in range(3):
        assert ratelimit.sliding_window(checks) == [None, None]
    digest = hashlib.sha256(b"sizing:token:41").hexdigest()[:32]
    assert len(made) == 2 and made[1] == f"window:{digest}"
    keys = {k.decode() for k in real._cache.get_client(None).scan_iter(match="*window:*")}
    assert original(f"window:{digest}") in keys
