"""The answer when a dependency is away: 503 with Retry-After, no trace.

For /api/ paths the body has the API's one error shape (`apps/api/errors.py`):
`{"error": {"code": "service_unavailable", "message": …, "fields": {}}, "request_id": …}`.
Pages get a small self-contained HTML page (rendered without the request: context processors
would touch the database that is away); htmx requests get a fragment that fits a swap target.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .context import request_id_var

API_PREFIX = "/api/"
DB_UNAVAILABLE = (OperationalError, InterfaceError)


def retry_after_seconds() -> int:
    return int(settings.OPS_RETRY_AFTER_SECONDS)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """The database could not be reached or dropped the connection (a restart, a failover),
    or refused with a retryable error (deadlock, serialization failure): try again later."""
    return isinstance(exc, DB_UNAVAILABLE)


def _request_id(request: HttpRequest) -> str:
    return str(getattr(request, "request_id", None) or request_id_var.get() or "")


def api_unavailable_body(request: HttpRequest) -> dict[str, object]:
    return {
        "error": {
            "code": "service_unavailable",
            "message": "The service is briefly unavailable; retry after the number "
            "of seconds in Retry-After.",
            "fields": {},
        },
        "request_id": _request_id(request),
    }


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 + Retry-After, in the caller's format."""
    if request.path.startswith(API_PREFIX):
        response = HttpResponse(
            json.dumps(api_unavailable_body(request)), status=503, content_type="application/json"
        )
    else:
        fragment = request.headers.get("HX-Request") == "true"
        html = render_to_string(
            "ops/503.html",
            {
                "fragment": fragment,
                "request_id": _request_id(request),
                "retry_after": retry_after_seconds(),
            },
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after_seconds())
    response["Cache-Control"] = "no-store"
    return response
