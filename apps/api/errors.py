"""One error format for the whole API (HackSoft styleguide's idea: one handler, one shape).

    {"error": {"code": "validation_error", "message": "Invalid input.",
               "fields": {"inference.concurrent_users": ["is required"]}},
     "request_id": "3f2a…"}

`fields` maps a dotted path into the request body (`workload.inference.concurrent_users`,
`lines.0.discount_percent`; `__all__` for the body as a whole) to messages; it is `{}` when
no field is to blame. The sizing engine's field errors keep their dotted paths. `code` is
stable and machine-readable; `message` is for people. Headers carry the rest: `Retry-After`
on 429, `WWW-Authenticate` on 401, `Allow` on 405, `X-Request-ID` always.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from apps.core.exceptions import ApplicationError
from apps.ops.responses import api_unavailable_body, is_database_unavailable, retry_after_seconds
from apps.sizing.engine import SizingInputError
from apps.sizing.gateway import Sizing, SizingRefused

from .middleware import request_id_of

logger = logging.getLogger(__name__)
WHOLE_BODY = "__all__"


class ApiError(exceptions.APIException):
    """An error with a status, a stable code, a message and field messages."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        fields: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.fields = {key: [str(m) for m in msgs] for key, msgs in (fields or {}).items()}


def prefixed(fields: Mapping[str, list[str]], prefix: str) -> dict[str, list[str]]:
    """Field paths relative to a part of the body (`inputs`, `workload`)."""
    out: dict[str, list[str]] = {}
    for key, msgs in fields.items():
        bare = "" if key in ("", WHOLE_BODY, "non_field_errors") else key
        path = ".".join(p for p in (prefix, bare) if p) or WHOLE_BODY
        out.setdefault(path, []).extend(str(m) for m in msgs)
    return out


def engine_error(exc: SizingInputError, prefix: str = "") -> ApiError:
    """The engine refused the workload: 400 with its field messages."""
    return ApiError(
        400,
        "validation_error",
        "The workload does not size: " + exc.message,
        prefixed(exc.field_errors, prefix),
    )


def sizing_error(sizing: Sizing, prefix: str = "") -> ApiError:
    """The gateway's refusal: 400 with the engine's field messages, or 422 `sizing_failed`
    when the engine itself failed (the same message the wizard and the CLI show)."""
    if sizing.failed:
        fields = prefixed(sizing.field_errors, prefix)
        return ApiError(422, "sizing_failed", next(iter(fields.values()))[0], fields)
    return engine_error(SizingInputError(sizing.field_errors), prefix)


def application_error(
    exc: ApplicationError,
    *,
    status_code: int = 400,
    code: str = "validation_error",
    prefix: str = "",
) -> ApiError:
    """A service refused the request (a business rule): its field messages, as given. An
    engine failure while sizing answers 422 `sizing_failed` in every door (see sizing_error)."""
    fields = prefixed(exc.field_errors, prefix)
    if isinstance(exc, SizingRefused) and exc.failed:
        status_code, code = 422, "sizing_failed"
    messages = [m for msgs in fields.values() for m in msgs]
    message = exc.message if len(exc.message.split()) > 2 or not messages else messages[0]
    return ApiError(status_code, code, message, fields)


def flatten(detail: Any, path: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as {dotted path: [messages]}."""
    if isinstance(detail, Mapping):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            sub = "" if key in ("non_field_errors", WHOLE_BODY) else str(key)
            for k, v in flatten(value, ".".join(p for p in (path, sub) if p)).items():
                out.setdefault(k, []).extend(v)
        return out
    if isinstance(detail, list) and any(isinstance(d, Mapping | list) for d in detail):
        out = {}
        for index, item in enumerate(detail):
            for k, v in flatten(item, f"{path}.{index}" if path else str(index)).items():
                out.setdefault(k, []).extend(v)
        return out
    messages = detail if isinstance(detail, list) else [detail]
    return {path or WHOLE_BODY: [str(m) for m in messages]} if messages else {}


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, Http404):
        return exceptions.NotFound("Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, SizingInputError):
        return engine_error(exc)
    if isinstance(exc, ApplicationError):
        return application_error(exc)
    if isinstance(exc, RequestDataTooBig):
        return ApiError(413, "request_too_large", "The request body is too large.")
    return exc


def _body(request: Any, code: str, message: str, fields: Mapping[str, list[str]]) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": message, "fields": dict(fields)},
        "request_id": request_id_of(request),
    }


def _database_unavailable(exc: Exception, request: Any) -> Response:
    """A database outage: 503 with Retry-After in the API's shape (`service_unavailable`)."""
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


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: every error, expected or not, in the one shape; a database
    outage (OperationalError/InterfaceError) is 503 + Retry-After."""
    request = context["request"]
    if is_database_unavailable(exc):
        return _database_unavailable(exc, request)
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:  # not an APIException: a bug. Log it, answer 500 in the API's shape.
        set_rollback()
        logger.exception("API request %s failed", request_id_of(request), exc_info=exc)
        return Response(
            _body(
                request,
                "server_error",
                "The server failed to answer; the request id identifies it.",
                {},
            ),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, ApiError):
        code, message, fields = exc.code, str(exc.detail), exc.fields
    elif isinstance(exc, exceptions.ValidationError):
        code, message, fields = "validation_error", "Invalid input.", flatten(exc.detail)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or "error"
        message, fields = str(detail), {}
    response.data = _body(request, str(code), message, fields)
    return response


# --- schema components ------------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=(
            "Stable, machine-readable: validation_error, parse_error, not_authenticated, "
            "authentication_failed, permission_denied, not_found, method_not_allowed, "
            "not_acceptable, unsupported_media_type, request_too_large, throttled, conflict, "
            "idempotency_key_reused, idempotency_key_in_use, pdf_not_ready, server_error, "
            "service_unavailable (nothing was saved: retry after Retry-After), "
            "outcome_unknown (the connection was lost while committing: a retried quote "
            "creation finds the quote; read other resources to see whether they changed)."
        )
    )
    message = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Dotted path into the request body (`__all__`: the whole body) → messages. "
        "Empty when no field is to blame.",
    )


class ErrorSerializer(serializers.Serializer):
    """Every 4xx/5xx answer of the API has this shape."""

    error = ErrorDetailSerializer()
    request_id = serializers.CharField(help_text="Also in the X-Request-ID header.")
