"""Hand a Celery task to a worker — or, on the embedded default (no broker, tasks eager),
to a background thread of this process, so the request that asked for it still answers at
once (a PDF render takes seconds; an e-mail waits on a mail server).

`TASKS_EAGER_IN_BACKGROUND` (True in config.settings.local) chooses the thread; otherwise an
eager task runs inline (the test suite's deterministic default) and a normal one goes to the
broker. Call it after the transaction commits (`transaction.on_commit`), like `.delay()`.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)
_pools: dict[str, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _background(task: Any) -> ThreadPoolExecutor:
    """One thread per Celery queue (CELERY_TASK_ROUTES), as the worker containers are split:
    an e-mail never waits behind PDF renders, and renders run one at a time."""
    route = settings.CELERY_TASK_ROUTES.get(task.name, {})
    queue = route.get("queue", "celery") if isinstance(route, dict) else "celery"
    with _pools_lock:
        pool = _pools.get(queue)
        if pool is None:
            pool = _pools[queue] = ThreadPoolExecutor(1, thread_name_prefix=f"tasks-{queue}")
    return pool


def _run(task: Any, args: tuple[Any, ...]) -> Any:
    close_old_connections()
    try:
        return task.apply(args=args).get(propagate=False)
    except Exception:  # the task's own error handling has run; keep the thread alive
        logger.exception("background task %s failed", task.name)
        return None
    finally:
        close_old_connections()


def dispatch(task: Any, *args: Any) -> Future[Any] | None:
    """Run `task(*args)` away from the request: the broker, or a background thread when
    tasks are eager and TASKS_EAGER_IN_BACKGROUND is set. Returns the thread's future."""
    eager = bool(task.app.conf.task_always_eager)
    if eager and settings.TASKS_EAGER_IN_BACKGROUND:
        return _background(task).submit(_run, task, args)
    task.delay(*args)
    return None
