"""A web worker's start-up, after gunicorn loaded the application in it (deploy/gunicorn.conf.py
calls `warm_and_freeze` from its `post_worker_init` hook).

Python's cyclic garbage collector walks every tracked container object in a full collection.
A worker holds ~139 k of them after its first requests, nearly all made once at start-up
(modules, classes, the URL patterns, the views, the catalog's engine snapshot) and never
freed; a full collection over them cost tens of ms about once per 1,000 requests.
`gc.freeze()` moves every object alive at that moment into a permanent generation that
collections skip, so they walk only what requests made since (bench/RESULTS.md, "Session 7
(h3, second task)"). Objects frozen are still freed by reference counting; only cycles among
them stay. The URL configuration (which imports every view) and the catalog snapshot are
loaded first so that they are frozen too; a worker that cannot read the catalog yet (database
down at start) serves anyway and loads it on its first sizing, as without this step.
`WEB_GC_FREEZE=0` turns the step off.

The start-up queries run in one transaction with PostgreSQL's `statement_timeout` set for it
alone (`SET LOCAL`, settings.STARTUP_STATEMENT_TIMEOUT_MS, 10 s): a catalog query that is slow
or waits on a lock (a test truncating the catalog, a migration) is cancelled, logged, and the
worker serves; without it the worker never finished booting and never answered, and its
query ran on in the server (docs/operations.md, "Start-up time limit").
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)


def warm_and_freeze() -> int:
    """Load what every request needs, then freeze the heap; returns the objects frozen (0 when
    turned off)."""
    if os.environ.get("WEB_GC_FREEZE", "1").strip().lower() in {"0", "false", "off", "no"}:
        return 0
    from django.conf import settings
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URL modules and every view
    try:
        from apps.sizing.adapters import catalog_snapshot

        with statement_timeout(settings.STARTUP_STATEMENT_TIMEOUT_MS):
            catalog_snapshot()
    except Exception:  # noqa: BLE001 - a worker serves without it; the first sizing loads it
        logger.warning(
            "catalog not loaded at worker start (time limit %d ms)",
            settings.STARTUP_STATEMENT_TIMEOUT_MS,
            exc_info=True,
        )
        connections.close_all()  # the next request opens a fresh connection
    gc.collect()  # what start-up left as garbage is not kept for ever
    gc.freeze()
    return gc.get_freeze_count()


@contextmanager
def statement_timeout(milliseconds: int) -> Iterator[None]:
    """Run the block in one transaction whose every statement PostgreSQL cancels after
    `milliseconds` (`SET LOCAL statement_timeout`: the setting ends with the transaction, so
    the connection the worker keeps for its requests has none). 0, or another database: no
    limit. A statement over the limit raises django.db.OperationalError (QueryCanceled)."""
    from django.db import connection, transaction

    if milliseconds <= 0 or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{milliseconds}"])
        yield
