"""A per-request memo: values read once per HTTP request and forgotten when it ends.

`memo()` is a dict while a request is being served (reset by Django's `request_started` and
`request_finished` signals, connected in `apps.core.apps`) and None elsewhere — Celery tasks,
management commands — so code outside a request always reads afresh.

Shared-cache keys read once per request can be registered (`read_along`): the first shared
cache read of a request that reads several keys at once (the API token lookup's `get_many`)
reads them in the same round trip (`with_read_along`, `keep_read_along`), and their reader
finds the value with `read_along_value` instead of asking the cache again. A registered key
absent from the cache is not kept: its reader asks as before.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_memo: ContextVar[dict[str, Any] | None] = ContextVar("request_memo", default=None)
_READ_ALONG: list[str] = []  # shared-cache keys (as given to the cache, before its prefix)
_KEPT = "read_along"


def memo() -> dict[str, Any] | None:
    return _memo.get()


def request_started(**_: Any) -> None:
    _memo.set({})


def request_finished(**_: Any) -> None:
    _memo.set(None)


def read_along(cache_key: str) -> None:
    """Register a shared-cache key that its module reads once per request."""
    if cache_key not in _READ_ALONG:
        _READ_ALONG.append(cache_key)


def with_read_along(keys: list[str]) -> list[str]:
    """`keys` and, inside a request, the registered keys (for one `get_many`)."""
    return [*keys, *_READ_ALONG] if _memo.get() is not None else keys


def keep_read_along(found: dict[str, Any]) -> None:
    """Keep the registered keys' values found by that `get_many` for this request."""
    memo = _memo.get()
    if memo is not None:
        kept = memo.setdefault(_KEPT, {})
        for key in _READ_ALONG:
            if found.get(key) is not None:
                kept.setdefault(key, found[key])


def read_along_value(cache_key: str) -> Any:
    """The value read along for this request and forgotten (taken once), or None."""
    memo = _memo.get()
    return None if memo is None else memo.get(_KEPT, {}).pop(cache_key, None)
