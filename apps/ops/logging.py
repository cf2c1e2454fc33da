"""Structured logs: one JSON object per line, with the request id (and the Celery task id).

    {"ts": "2026-05-01T10:00:00.123Z", "level": "INFO", "logger": "apps.ops.access",
     "message": "GET /sizing/ 200", "request_id": "3f2a…", "method": "GET", "path": "/sizing/",
     "status": 200, "duration_ms": 12.5}

`request_id` is the id `apps.api.middleware.RequestIdMiddleware` gives every request (also
echoed in the X-Request-ID response header and in the API's error bodies), so a user's
report, an API error and the log lines of the request (and of the tasks it enqueued) join up.
Fields passed with `extra={...}` become top-level keys. The finished line is redacted
(`apps.ops.redact`): no share token, API token or secret parameter is ever written.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from .context import request_id_var, task_id_var
from .redact import redact

# Attributes every LogRecord has; anything else came in through `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_DROP = {"request", "server_time"}  # Django's HttpRequest / socket objects: not JSON


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id_var.get()
        if rid:
            out["request_id"] = rid
        task_id = task_id_var.get()
        if task_id:
            out["task_id"] = task_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _DROP and key not in out:
                out[key] = value
        if record.exc_info:
            out["exc"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(out, default=str, ensure_ascii=False))
