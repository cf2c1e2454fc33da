"""The one gateway into the sizing engine.

The wizard, the partner API, `manage.py size`, scenario saves and re-runs and quote creation
all size a workload through `size()` here, so they get the same answer for the same input:

* the same catalog snapshot (adapters.catalog_snapshot) and the same automatic choice — the
  engine ranks GPU × fabric candidates by a price-free rule (engine/auto.py, README "Sizing");
  the current price book only annotates the alternatives with their list price;
* the same error mapping: invalid or impossible input comes back as the engine's field errors
  (``Sizing.field_errors``, keyed by dotted path); an unexpected engine failure (a bug) is
  logged and comes back as one error on the whole workload with ``failed=True`` — the wizard
  shows it on the form, the API answers 422 ``sizing_failed``, the CLI exits with it;
* the same timing (``elapsed_ms``, measured here around the engine call).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from apps.catalog import selectors as catalog_selectors
from apps.catalog.models import PriceBook
from apps.core.exceptions import ApplicationError

from . import adapters, engine, tco
from .engine import SizingInputError

logger = logging.getLogger(__name__)
ENGINE_FAILURE = (
    "The sizing engine could not size this combination ({name}). Try another GPU or "
    "precision; the problem has been logged."
)


@dataclass
class Sizing:
    """The outcome of one engine run: a result, or the engine's field errors."""

    workload: dict[str, Any]
    result: dict[str, Any] | None = None
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    elapsed_ms: float = 0.0
    failed: bool = False  # an engine failure (a bug), not the workload's fault

    @property
    def ok(self) -> bool:
        return self.result is not None


def size(workload: Mapping[str, Any], *, book: PriceBook | None = None) -> Sizing:
    """Size ``workload`` against the current catalog; never raises for the workload's sake.

    ``book`` annotates the automatic choice's alternatives with list prices (default: the
    current price book, the same for every door); it never changes the choice.
    """
    started = time.perf_counter()
    sizing = Sizing(dict(workload) if isinstance(workload, Mapping) else {})
    book = book if book is not None else catalog_selectors.price_book_current()
    prices = catalog_selectors.price_map(book.code) if book is not None else None
    try:
        result = engine.size(workload, adapters.catalog_snapshot(), price_lookup=prices)
        answer = result.to_dict()
        kept = _priced(result, answer, prices, book.code if book is not None else None)
        sizing.result = tco.annotate(answer, prices, book.currency if book else "", kept)
    except SizingInputError as exc:
        sizing.field_errors = exc.field_errors
    except (ArithmeticError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        logger.exception("sizing engine failed for %r", workload)
        sizing.failed = True
        sizing.field_errors = {"": [ENGINE_FAILURE.format(name=type(exc).__name__)]}
    sizing.elapsed_ms = (time.perf_counter() - started) * 1000
    return sizing


PRICED_KEPT = 64
_priced_kept: OrderedDict[int, tuple[Any, Any, tuple[str, str | None], tco.Priced]] = OrderedDict()
_priced_lock = threading.Lock()


def _priced(
    result: engine.SizingResult,
    answer: dict[str, Any],
    prices: Mapping[str, Decimal] | None,
    book: str | None,
) -> tco.Priced:
    """``tco.priced`` of the answer, kept for the BoM and fabric designs of a kept cluster side
    (engine/side.py: every sizing of that cluster holds the same BoM tuple and designs list)
    and the price book at the catalog revision (``price_map`` is kept by both). An entry holds
    the objects it was computed from and is used only for those very objects (``is``), so an
    object's id reused after it is gone never finds it."""
    bom, designs = result.bom, answer.get("fabric_designs")
    key = (catalog_selectors.catalog_revision(), book)
    entry = _priced_kept.get(id(bom))
    if entry is not None and entry[0] is bom and entry[1] is designs and entry[2] == key:
        return entry[3]
    value = tco.priced(answer, prices)
    with _priced_lock:
        _priced_kept[id(bom)] = (bom, designs, key, value)
        while len(_priced_kept) > PRICED_KEPT:
            _priced_kept.popitem(last=False)
    return value


def check(workload: Mapping[str, Any]) -> dict[str, list[str]]:
    """The engine's field errors for ``workload`` without sizing it (its parser's checks,
    cross-field rules included): how a door with its own errors of some fields learns the
    rest at once."""
    try:
        engine.parse_workload(workload)
    except SizingInputError as exc:
        return exc.field_errors
    return {}


class SizingRefused(ApplicationError):
    """Raised by services that must size to go on (saving a scenario, quoting a workload)."""

    def __init__(self, sizing: Sizing) -> None:
        super().__init__("These inputs do not size; fix them before saving.", sizing.field_errors)
        self.failed = sizing.failed


def size_or_raise(workload: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's result for ``workload``; SizingRefused (with the field errors) otherwise."""
    sizing = size(workload)
    if sizing.result is None:
        raise SizingRefused(sizing)
    return sizing.result


def messages(field_errors: Mapping[str, list[str]]) -> list[str]:
    """Field errors as ``path: message`` lines (the CLI's and the logs' form)."""
    return [f"{path or 'workload'}: {m}" for path, msgs in field_errors.items() for m in msgs]
