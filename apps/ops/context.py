"""What the current request (or Celery task) is, for logs and the audit log.

Set by `RequestContextMiddleware` and by the Celery task signals in `signals.py`; read by the
JSON log formatter (`request_id`, `task_id`) and by `audit_record` (who, from which address).
Context variables, so threads and gunicorn workers never see each other's request.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
request_id_var: ContextVar[str | None] = ContextVar("ops_request_id", default=None)
request_var: ContextVar[HttpRequest | None] = ContextVar("ops_request", default=None)
task_id_var: ContextVar[str | None] = ContextVar("ops_task_id", default=None)


def request_id_of(request: HttpRequest) -> str:
    """The request's id (made on first use, e.g. when the middleware did not run): a sane
    incoming `X-Request-ID` (1-128 of `A-Z a-z 0-9 . _ : -`) is kept, else a fresh one."""
    rid = getattr(request, "request_id", None)
    if rid is None:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")  # request.headers copies all
        rid = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
    return str(rid)


def current_request() -> HttpRequest | None:
    return request_var.get()


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address. Behind N trusted proxies (`OPS_TRUSTED_PROXY_COUNT`, default 0)
    the N-th address from the right of X-Forwarded-For; otherwise REMOTE_ADDR. Never trust the
    whole header: a client can put anything at its left end."""
    if request is None:
        return None
    hops = int(settings.OPS_TRUSTED_PROXY_COUNT)
    if hops > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops] or None
    return request.META.get("REMOTE_ADDR") or None


def current_user(request: HttpRequest | None) -> Any:
    """The authenticated user of the request, or None (never loads a user that is not
    already resolved lazily by the auth middleware or DRF)."""
    user = getattr(request, "user", None) if request is not None else None
    return user if getattr(user, "is_authenticated", False) else None
