"""The partner API's exception handler, with database outages answered 503 + Retry-After.

DRF catches every exception inside an API view and hands it to the EXCEPTION_HANDLER; the API's
own handler (`apps.api.errors.exception_handler`) answers anything it does not know with a 500.
This wrapper answers `OperationalError`/`InterfaceError` first, in the API's error shape
(`code: service_unavailable`), and hands everything else to the API's handler unchanged.
(If the API's handler learns to map these errors itself, point EXCEPTION_HANDLER back at it.)
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.response import Response
from rest_framework.views import set_rollback

from .responses import api_unavailable_body, is_database_unavailable, retry_after_seconds

logger = logging.getLogger(__name__)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if is_database_unavailable(exc):
        request = context["request"]
        try:
            set_rollback()
        except Exception:  # noqa: BLE001, S110 - the connection is already gone; nothing to undo
            pass
        logger.warning(
            "database unavailable: %s: %s",
            type(exc).__name__,
            str(exc)[:200],
            extra={"path": request.path, "status": 503},
        )
        return Response(
            api_unavailable_body(request._request),
            status=503,
            headers={"Retry-After": str(retry_after_seconds()), "Cache-Control": "no-store"},
        )
    from apps.api.errors import exception_handler

    return exception_handler(exc, context)
