"""Writes the API answers: the answer is decided inside the write's transaction.

A client must never be told "retry later" for a write that was saved: its retry would make a
second quote. So:

- `answer_in_transaction(write)` runs the write AND builds its answer (the serialized body)
  in one transaction. A database failure before the commit rolls everything back and answers
  503 `service_unavailable`: nothing was saved, retrying is safe. A failure of the COMMIT
  itself (the connection lost while committing: the database may have committed) answers
  503 `outcome_unknown`, saying so, and how to find out.
- `create_once(request, create, replay)`: quote creation. With an `Idempotency-Key` the key
  identifies the intended quote (apps/api/idempotency.py). Without one, a content-derived
  request id (caller, method, path and JSON body: SHA-256) is kept with the quote
  (`Quote.creation_request`): a retry of the same body within API_CREATE_RETRY_WINDOW_SECONDS
  answers that quote (201, `Idempotent-Replayed: true`) instead of making a second one. Two
  identical requests at once are serialised by a transaction-level advisory lock on the
  request id. Two identical quotes on purpose within the window: send distinct
  Idempotency-Keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from apps.ops.responses import is_database_unavailable, retry_after_seconds
from apps.quotes import selectors as quote_selectors

from .errors import ApiError
from .idempotency import idempotent, key_of, request_fingerprint
from .throttles import caller_key

REPLAYED = "Idempotent-Replayed"


class OutcomeUnknown(ApiError):
    """The connection to the database was lost while the write was being committed."""

    def __init__(self, what: str) -> None:
        super().__init__(
            503,
            "outcome_unknown",
            f"The database connection was lost while {what} was being saved: it may have "
            "been saved. Retrying the same request is safe (a quote is found, never made "
            "twice); other changes: read the resource to see whether it changed.",
        )


def answer_in_transaction(write: Callable[[], Response], *, what: str = "the change") -> Response:
    """Run `write` (which returns its Response, body already built) in one transaction."""
    committing = False
    try:
        with transaction.atomic():
            response = write()
            committing = True  # any database error from here on is the commit's
    except DatabaseError as exc:
        if committing and is_database_unavailable(exc):
            unknown = OutcomeUnknown(what)
            unknown.wait = retry_after_seconds()  # DRF's handler sends it as Retry-After
            raise unknown from exc
        raise
    return response


def retry_window() -> timedelta:
    return timedelta(seconds=int(settings.API_CREATE_RETRY_WINDOW_SECONDS))


def creation_request_id(request: Request) -> str:
    """The content-derived request id: caller + method + path + canonical JSON body."""
    caller = caller_key(request) or "anonymous"
    return hashlib.sha256(f"{caller}\n{request_fingerprint(request)}".encode()).hexdigest()


def _lock(request_id: str) -> None:
    """Serialise identical creations until this transaction ends (PostgreSQL; SQLite's
    immediate transactions already serialise every writer)."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(bytes.fromhex(request_id[:16]), "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def create_once(
    request: Request,
    create: Callable[[str], tuple[Response, Any]],
    replay: Callable[[Any], Response],
) -> Response:
    """Create a quote at most once per intended quote. `create(request_id)` makes it (and
    keeps `request_id` with it) and returns (201 response, quote); `replay(quote)` answers
    an existing one."""
    if key_of(request) is not None:
        return answer_in_transaction(
            lambda: idempotent(request, lambda: create("")), what="the quote"
        )
    request_id = creation_request_id(request)

    def write() -> Response:
        _lock(request_id)
        existing = quote_selectors.quote_created_by_request(
            request.user, request_id, since=timezone.now() - retry_window()
        )
        if existing is not None:
            response = replay(existing)
            response[REPLAYED] = "true"
            return response
        return create(request_id)[0]

    return answer_in_transaction(write, what="the quote")
