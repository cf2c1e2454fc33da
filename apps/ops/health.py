"""Readiness checks: the database, the Redis broker, a Celery worker, the document storage
(a small object written, read back and deleted: a full or read-only disk or a store that is
down reports `fail`). Each returns a status and
its latency; a failed check carries the reason (an exception's class and message, never a
trace). Used by the `/health/ready` endpoint and `manage.py` is free to call them too."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections

OK, FAIL, SKIPPED = "ok", "fail", "skipped"


def _timed(check: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        extra = check() or {}
        result: dict[str, Any] = {"status": extra.pop("status", OK), **extra}
    except Exception as exc:  # noqa: BLE001 - a probe reports every failure, it never raises
        result = {"status": FAIL, "error": f"{type(exc).__name__}: {str(exc)[:200]}".strip()}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _uses_broker() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER


def _redis() -> dict[str, Any] | None:
    if not _uses_broker():
        return {"status": SKIPPED, "reason": "tasks run in-process (CELERY_TASK_ALWAYS_EAGER)"}
    import redis

    timeout = float(settings.OPS_HEALTH_TIMEOUT_SECONDS)
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    try:
        client.ping()
    finally:
        client.close()
    return None


def _worker() -> dict[str, Any]:
    from config.celery_app import app

    timeout = float(settings.OPS_HEALTH_TIMEOUT_SECONDS)
    replies = app.control.ping(timeout=timeout)
    names = sorted(name for reply in replies for name in reply)
    if not names:
        return {"status": FAIL, "error": f"no worker answered within {timeout:g}s"}
    return {"workers": names}


def _storage() -> dict[str, Any]:
    from apps.core.documents import storage_probe

    return storage_probe()


def readiness(skip: frozenset[str] = frozenset()) -> tuple[bool, dict[str, dict[str, Any]]]:
    """Run the checks (minus `skip`); ready when none failed."""
    checks: dict[str, dict[str, Any]] = {}
    if "database" not in skip:
        checks["database"] = _timed(_database)
    if "redis" not in skip:
        checks["redis"] = _timed(_redis)
    if "worker" not in skip:
        if not _uses_broker():
            checks["worker"] = {
                "status": SKIPPED,
                "latency_ms": 0.0,
                "reason": "tasks run in-process (CELERY_TASK_ALWAYS_EAGER)",
            }
        elif checks.get("redis", {}).get("status") == FAIL:
            # Asking workers through a dead broker only waits for connection retries.
            checks["worker"] = {"status": FAIL, "latency_ms": 0.0, "error": "broker unavailable"}
        else:
            checks["worker"] = _timed(_worker)
    if "storage" not in skip:
        checks["storage"] = _timed(_storage)
    return all(c["status"] != FAIL for c in checks.values()), checks
