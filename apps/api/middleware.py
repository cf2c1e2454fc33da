"""Request ids on every response, and the API's error format for responses made outside DRF.

`X-Request-ID`: a sane incoming id (1-128 of `A-Z a-z 0-9 . _ : -`, as set by a proxy or the
client) is kept, anything else is replaced by a fresh one; either way it is echoed on the
response and available as `request.request_id` (error bodies carry it).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.ops.context import REQUEST_ID_HEADER, request_id_of

__all__ = ["API_PREFIX", "REQUEST_ID_HEADER", "RequestIdMiddleware", "request_id_of"]

API_PREFIX = "/api/"


class RequestIdMiddleware:
    """Give every request an id and every response the `X-Request-ID` header. Under /api/,
    error responses produced outside DRF (an unknown URL's 404, Django's 400 for a bad host,
    a 500 page) are rewritten into the API's one error format."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_of(request)
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and _needs_api_error(response):
            response = _as_api_error(response, rid)
        response[REQUEST_ID_HEADER] = rid
        return response


def _needs_api_error(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return response.status_code >= 400 and not content_type.startswith("application/json")


_CODES = {
    400: "bad_request",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    500: "server_error",
}
_MESSAGES = {
    400: "The request could not be understood.",
    403: "You may not do this.",
    404: "There is no such API endpoint; see /api/v1/docs/.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    500: "The server failed to answer; the request id identifies it in the logs.",
}


def _as_api_error(response: HttpResponse, rid: str) -> HttpResponse:
    status = response.status_code
    body = {
        "error": {
            "code": _CODES.get(status, "error"),
            "message": _MESSAGES.get(status, response.reason_phrase),
            "fields": {},
        },
        "request_id": rid,
    }
    new = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            new[header] = response[header]
    return new
