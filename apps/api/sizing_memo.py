"""Answers of POST /api/v1/sizing/ kept per process: the same workload against the same catalog
and price book is answered with the bytes rendered the first time, without running the engine.

The key is everything the answer depends on (`apps.sizing.gateway.size` is a pure function of
these): the workload in canonical form (JSON with sorted keys, so key order and spacing do not
matter; its assumptions are part of it, their defaults are the engine's code), the catalog
revision (`catalog_revision`, the key the engine's catalog snapshot is kept by: every catalog,
price book and price change bumps it) and the price book that annotates the answer (the one
asked for, else the current one). The memo is emptied when the revision changes, so it is
never staler than the engine's snapshot. Only answers are kept, not refusals (400/422).

`settings.API_SIZING_MEMO_SIZE` answers at most (least recently used first out; 0: off).
A one-node answer is ~40 KB of JSON. bench/bench_api.py measures both a repeated workload
(answered from here) and distinct workloads (the engine every time).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import orjson
from django.conf import settings

from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import PriceBook

_lock = threading.Lock()
_answers: OrderedDict[tuple[bytes, str | None], bytes] = OrderedDict()
_revision: list[str | None] = [None]


def key(workload: Any, book: PriceBook | None) -> tuple[bytes, str | None] | None:
    """The memo key of `workload` sized with `book`, or None when it cannot be kept (memo
    off, or a body that is not canonical JSON, e.g. an integer beyond 64 bits)."""
    if int(settings.API_SIZING_MEMO_SIZE) <= 0 or not isinstance(workload, dict):
        return None
    try:
        canonical = orjson.dumps(workload, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None
    return canonical, book.code if book is not None else None


def get(memo_key: tuple[bytes, str | None] | None) -> bytes | None:
    if memo_key is None:
        return None
    revision = catalog_selectors.catalog_revision()
    with _lock:
        if _revision[0] != revision:
            _answers.clear()
            _revision[0] = revision
            return None
        answer = _answers.get(memo_key)
        if answer is not None:
            _answers.move_to_end(memo_key)
        return answer


def put(memo_key: tuple[bytes, str | None] | None, answer: bytes, revision: str) -> None:
    """Keep `answer`, computed against catalog `revision` (read before sizing, so an answer
    computed while the catalog changed is filed under the revision it was computed from)."""
    if memo_key is None:
        return
    size = int(settings.API_SIZING_MEMO_SIZE)
    with _lock:
        if _revision[0] != revision:
            return  # the catalog changed meanwhile: do not keep an answer of the old one
        _answers[memo_key] = answer
        _answers.move_to_end(memo_key)
        while len(_answers) > size:
            _answers.popitem(last=False)


def clear() -> None:
    """Forget every kept answer (tests start from nothing, like a new process)."""
    with _lock:
        _answers.clear()
        _revision[0] = None
