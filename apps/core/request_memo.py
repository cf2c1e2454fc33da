"""A per-request memo: values read once per HTTP request and forgotten when it ends.

`memo()` is a dict while a request is being served (reset by Django's `request_started` and
`request_finished` signals, connected in `apps.core.apps`) and None elsewhere — Celery tasks,
management commands — so code outside a request always reads afresh.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_memo: ContextVar[dict[str, Any] | None] = ContextVar("request_memo", default=None)


def memo() -> dict[str, Any] | None:
    return _memo.get()


def request_started(**_: Any) -> None:
    _memo.set({})


def request_finished(**_: Any) -> None:
    _memo.set(None)
