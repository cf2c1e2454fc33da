"""Tasks of the ops app."""

from __future__ import annotations

import logging

from celery import shared_task

from .context import request_id_var, task_id_var

logger = logging.getLogger(__name__)


@shared_task(name="ops.log_context")
def log_context() -> dict[str, str | None]:
    """Log (and return) the request and task ids a task runs under: checks from the outside
    that a worker's log lines carry the id of the request that enqueued the task."""
    ids = {"request_id": request_id_var.get(), "task_id": task_id_var.get()}
    logger.info("ops context", extra={"context": ids})
    return ids
