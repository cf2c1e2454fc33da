"""Structured logs: one JSON object per line with the request id."""

from __future__ import annotations

import io
import json
import logging

import pytest

from apps.ops.logging import JsonFormatter
from tests.quotes.worker_helpers import wait_for


def test_access_lines_carry_the_request_id(client, sales_user):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("apps.ops.access")
    logger.addHandler(handler)
    try:
        client.force_login(sales_user)
        response = client.get("/quotes/", HTTP_X_REQUEST_ID="req-42.a")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "req-42.a"
    [line] = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert line["request_id"] == "req-42.a"
    assert (line["logger"], line["level"], line["method"], line["path"], line["status"]) == (
        "apps.ops.access",
        "INFO",
        "GET",
        "/quotes/",
        200,
    )
    assert line["user_id"] == sales_user.pk and line["duration_ms"] >= 0
    assert line["ts"].endswith("Z")


def test_extra_fields_and_exceptions():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("job",), None)
    record.job_id = 7
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    out = json.loads(JsonFormatter().format(record))
    assert out["message"] == "failed job" and out["job_id"] == 7
    assert "ValueError: boom" in out["exc"]


@pytest.mark.services
def test_a_task_logs_the_request_id_that_enqueued_it(celery_worker, postgres):
    from apps.ops.context import request_id_var
    from apps.ops.tasks import log_context

    token = request_id_var.set("req-task-7")
    try:
        result = log_context.delay()
    finally:
        request_id_var.reset(token)

    def logged() -> dict | None:
        for raw in celery_worker.log_path.read_text().splitlines():
            if raw.startswith("{") and '"ops context"' in raw:
                return json.loads(raw)
        return None

    line = wait_for(logged, 30, "the task's log line", celery_worker.log_path)
    assert line["request_id"] == "req-task-7"
    assert line["task_id"] == result.id
    assert line["context"] == {"request_id": "req-task-7", "task_id": result.id}
