"""`Idempotency-Key` on creating requests: a retried request returns the first answer.

- The key (1-255 printable ASCII characters) is scoped to the caller (token, or user for
  session callers) and kept for `KEY_TTL` (24 h); older keys are forgotten.
- Same key, same method + path + JSON body: the stored answer (status and body) is returned
  again with `Idempotent-Replayed: true`; no second quote is made.
- Same key, another body: 422 `idempotency_key_reused`.
- Two requests with the same key at the same time: the key row is inserted first, in the
  same transaction as the quote, so the unique constraint makes the second wait for the
  first and then replay its answer (or, if the first failed meanwhile, answer 409
  `idempotency_key_in_use`; retry).
- Only successful answers are stored: a refused request (4xx) can be retried with the same key
  once it is fixed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from .errors import ApiError
from .models import IdempotencyKey
from .throttles import caller_key

HEADER = "Idempotency-Key"
KEY_TTL = timedelta(hours=24)


def request_fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def key_of(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise ApiError(
            400,
            "validation_error",
            "Invalid Idempotency-Key header.",
            {HEADER: ["Use 1 to 255 printable ASCII characters (e.g. a UUID)."]},
        )
    return key


def _replay(row: IdempotencyKey, fingerprint: str) -> Response:
    if row.request_hash != fingerprint:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request body; "
            "use a new key for a new request.",
            {HEADER: ["already used with a different request"]},
        )
    return Response(
        row.response_body, status=row.response_status, headers={"Idempotent-Replayed": "true"}
    )


def _live(caller: str, key: str) -> IdempotencyKey | None:
    row = IdempotencyKey.objects.filter(caller=caller, key=key).first()
    if row is not None and row.created_at < timezone.now() - KEY_TTL:
        row.delete()
        return None
    return row


def idempotent(request: Request, create: Callable[[], tuple[Response, Any]]) -> Response:
    """Run `create` (which returns the response and the created quote) once per key."""
    key, caller = key_of(request), caller_key(request)
    if key is None or caller is None:
        return create()[0]
    fingerprint = request_fingerprint(request)
    row = _live(caller, key)
    if row is not None:
        return _replay(row, fingerprint)
    try:
        with transaction.atomic():
            # The key row first: a concurrent request with the same key waits here (unique
            # constraint) until this transaction ends, instead of creating a second quote.
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    caller=caller,
                    key=key,
                    request_hash=fingerprint,
                    response_status=0,
                    response_body={},
                )
            response, quote = create()
            row.response_status, row.response_body, row.quote = (
                response.status_code,
                response.data,
                quote,
            )
            row.save(update_fields=["response_status", "response_body", "quote"])
    except IntegrityError:
        row = _live(caller, key)
        if row is None:
            raise ApiError(
                409,
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still being processed; retry shortly.",
            ) from None
        return _replay(row, fingerprint)
    return response
