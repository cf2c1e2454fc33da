"""The shared cache: one for every process, Redis when configured, safe beside the broker and
harmless when Redis is away (apps.core.cache)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches

from apps.core import cache as shared
from tests.conftest import redis_available, require_or_skip

ROOT = Path(__file__).resolve().parent.parent.parent


def test_what_one_process_writes_another_reads() -> None:
    """One other process (one Django start-up, ~1.8 s of CPU, not two) writes, waits while this
    one reads and deletes, then reads: the deletion reaches it too."""
    key = f"shared-{uuid.uuid4().hex}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    code = (
        "import django; django.setup(); from django.core.cache import cache; "
        f"cache.set({key!r}, 41, 60); cache.incr({key!r}); print('written', flush=True); "
        f"input(); print(cache.get({key!r}, 'gone'))"
    )
    other = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "written", other.stderr
        assert cache.get(key) == 42
        cache.delete(key)
        out, err = other.communicate("\n", timeout=60)
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()
    assert other.returncode == 0, err
    assert out.strip() == "gone"


def test_redis_is_the_cache_when_the_environment_configures_it() -> None:
    backend = django_settings.CACHES["default"]["BACKEND"]
    if os.environ.get("CACHE_URL") or os.environ.get("CELERY_BROKER_URL"):
        assert backend == "apps.core.cache.SharedRedisCache"
        require_or_skip(redis_available(), "Redis")
    else:
        assert backend == "apps.core.cache.SharedFileCache"


def test_clear_deletes_only_the_caches_keys(settings) -> None:
    """The broker's queues may share the database: clear() must not FLUSHDB."""
    require_or_skip(redis_available(), "Redis")
    import redis

    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.SharedRedisCache",
            "LOCATION": settings.CELERY_BROKER_URL,
            "KEY_PREFIX": f"clear-test-{uuid.uuid4().hex[:8]}",
        }
    }
    raw = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    neighbour = f"not-the-cache-{uuid.uuid4().hex}"
    raw.set(neighbour, "broker data", ex=60)
    try:
        caches["default"].set_many({f"k{i}": i for i in range(1500)}, 60)
        caches["default"].clear()
        assert caches["default"].get_many([f"k{i}" for i in range(1500)]) == {}
        assert raw.get(neighbour) == b"broker data"
    finally:
        raw.delete(neighbour)


def test_one_connection_per_process_and_a_forked_child_gets_its_own() -> None:
    """The process's client holds one connection (no pool round trip per command); a child
    forked after it was used answers from its own connection, and the parent's still works
    (two processes on one socket would read each other's replies)."""
    require_or_skip(redis_available(), "Redis")
    key = f"fork-test-{uuid.uuid4().hex[:8]}"
    cache.set(key, "parent", 60)
    client = cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
    assert client.connection is not None and cache._cache.get_client(None) is client  # type: ignore[attr-defined]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own client and connection, the same data
        try:
            mine = cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
            ok = mine is not client and mine.connection is not client.connection
            values = [cache.get(key) for _ in range(200)]
            os.write(write, b"ok" if ok and values == ["parent"] * 200 else b"no")
        finally:
            os._exit(0)
    os.close(write)
    for _ in range(200):
        assert cache.get(key) == "parent"
    os.waitpid(pid, 0)
    assert os.read(read, 2) == b"ok"
    os.close(read)
    assert cache.get(key) == "parent" and cache._cache.get_client(None) is client  # type: ignore[attr-defined]
    cache.delete(key)


def test_threads_share_the_one_connection_without_mixing_replies() -> None:
    require_or_skip(redis_available(), "Redis")
    import threading

    keys = {f"thread-test-{uuid.uuid4().hex[:8]}-{i}": i for i in range(8)}
    cache.set_many(keys, 60)
    wrong: list[tuple[str, object]] = []

    def reader(key: str, value: int) -> None:
        for _ in range(100):
            got = cache.get(key)
            if got != value:
                wrong.append((key, got))

    threads = [threading.Thread(target=reader, args=item) for item in keys.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
    cache.delete_many(list(keys))


def test_clear_refuses_without_a_prefix() -> None:
    with pytest.raises(ValueError, match="KEY_PREFIX"):
        shared.SharedRedisCacheClient(["redis://127.0.0.1:1/0"], clear_prefix="")


def _dead_redis_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{s.getsockname()[1]}/0"


def test_redis_away_reads_miss_and_writes_are_dropped(settings, monkeypatch) -> None:
    url = _dead_redis_url()
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.SharedRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "away",
        }
    }
    monkeypatch.setattr(shared, "_down_until", {})
    away = caches["default"]
    assert away.get("k", "default") == "default"
    assert url in shared._down_until  # the outage is noted: no reconnect on every call
    away.set("k", 1)
    assert away.add("k", 1) is False
    assert away.get_many(["k"]) == {}
    with pytest.raises(ValueError):
        away.incr("k")
    assert away.delete("k") is False
    away.clear()
