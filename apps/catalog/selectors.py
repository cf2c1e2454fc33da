"""Reads of the catalog.

`catalog_rows()` is the catalog in exactly the CSV row format of fixtures/catalog/README.md;
the sizing adapter feeds it to `apps.sizing.engine.catalog.snapshot_from_rows()` and the export
writes it to files, so the engine, the files and the database cannot drift apart.

`catalog_revision()` names the catalog's current state; it is read once per request (from the
shared cache, else the database), and what is derived from the catalog — the engine's snapshot
(apps.sizing.adapters), the current price book and its prices (`price_book_current`,
`price_map`) — is kept per process per revision, so a request that sizes reads nothing else.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Model, Q, QuerySet
from django.db.models.base import ModelState
from django.utils import timezone

from apps.core import request_memo

from .csv_format import PRICES, REF_KEYS, TABLES, Table, format_cell
from .models import CatalogRevision, Gpu, Part, Price, PriceBook

CsvRows = list[dict[str, str]]


# The natural key of every row read so far of each table other tables refer to, by primary key.
Keys = dict[str, dict[int, object]]


def catalog_rows() -> dict[str, CsvRows]:
    """Every catalog table (`parts`, `gpus`, …, `price_books`; key = file stem) as CSV rows:
    dicts of column → cell text, in the order the rows were first imported. Prices are in
    `price_rows()`. One query per table: a reference is read from the referenced table's own
    rows, read before it (`TABLES` is in dependency order)."""
    keys: Keys = {}
    return {table.name: table_rows(table, keys) for table in TABLES}


def price_rows() -> dict[str, CsvRows]:
    """The rows of `prices/CODE.csv` for every price book, keyed by book code."""
    codes = PriceBook.objects.order_by("code").values_list("code", flat=True)
    keys: Keys = {"parts": dict(Part.objects.values_list("pk", "part_number"))}
    return {code: table_rows(PRICES, keys, book__code=code) for code in codes}


def table_rows(table: Table, keys: Keys, **filters: object) -> CsvRows:
    """One table as CSV rows (see `catalog_rows`); a reference column's cell is the referenced
    row's natural key from `keys` (which it adds this table's keys to, when others refer to it).

    References are looked up, not joined. Joined, the node profiles' eleven references made a
    twelve-table SELECT whose join order PostgreSQL plans from its statistics; in the suite, on
    test databases just filled, it twice ran until the statement timeout (5 min) where it
    takes milliseconds, and a 69-minute catalog SELECT at a full core in an earlier session
    was most likely the same (bench/RESULTS.md, "Session 14"). Each table is now one SELECT of
    that table alone, with no join order to get wrong."""
    own = REF_KEYS.get(table.name)
    mine: dict[int, object] = keys.setdefault(table.name, {}) if own else {}
    paths = ["pk", *(f"{c.field}_id" if c.ref else c.field for c in table.columns)]
    refs = [keys[c.ref] if c.ref else None for c in table.columns]
    position = [c.field for c in table.columns].index(own) if own else -1
    out: CsvRows = []
    for pk, *row in (
        table.model._default_manager.filter(**filters).order_by("pk").values_list(*paths)
    ):
        if own:
            mine[pk] = row[position]
        out.append(
            {
                column.name: format_cell(column, value if ref is None else ref.get(value))
                for column, value, ref in zip(table.columns, row, refs, strict=True)
            }
        )
    return out


def part_list(*, search: str = "", category: str = "") -> QuerySet[Part]:
    """Parts whose part number or description contains `search`, optionally of one category."""
    parts = Part.objects.all()
    if search:
        parts = parts.filter(Q(part_number__icontains=search) | Q(description__icontains=search))
    if category:
        parts = parts.filter(category=category)
    return parts.order_by("category", "part_number")


def gpu_list() -> QuerySet[Gpu]:
    """GPUs for the comparison table: the architecture's own first, then reference GPUs."""
    return Gpu.objects.select_related("part").order_by("reference", "-memory_gb", "name")


REVISION_CACHE_KEY = "catalog:revision"
REVISION_CACHE_SECONDS = 60  # bounds staleness should a bump's cache write be lost
request_memo.read_along(REVISION_CACHE_KEY)  # with an API request's token lookup: no own read
_MEMO_KEY = "catalog_revision"


def catalog_version() -> int:
    """A number that changes whenever the catalog changes (0 before the first import)."""
    number = CatalogRevision.objects.filter(pk=1).values_list("number", flat=True).first()
    return number or 0


def catalog_revision() -> str:
    """The catalog's revision, `number:changed_at` (unique per change: a number alone comes
    back when a transaction that bumped it rolls back). Read once per request; from the shared
    cache (set when the catalog changes, `forget_catalog_revision`), else the database."""
    memo = request_memo.memo()
    if memo is not None and _MEMO_KEY in memo:
        return str(memo[_MEMO_KEY])
    revision = request_memo.read_along_value(REVISION_CACHE_KEY)  # the token lookup's read
    if revision is None:
        revision = cache.get(REVISION_CACHE_KEY)
    if revision is None:
        revision = catalog_revision_from_database()
        cache.add(REVISION_CACHE_KEY, revision, REVISION_CACHE_SECONDS)
    if memo is not None:
        memo[_MEMO_KEY] = revision
    return str(revision)


def catalog_revision_from_database() -> str:
    row = CatalogRevision.objects.filter(pk=1).values_list("number", "changed_at").first()
    return "0" if row is None else f"{row[0]}:{row[1].timestamp():.6f}"


def forget_catalog_revision() -> None:
    """The catalog changed (called by `catalog_revision_bump`): this request and every process
    read the new revision. The cache is cleared now and set again once the change commits, so a
    reader that saw the old row between the two cannot leave it there."""
    from django.db import transaction

    memo = request_memo.memo()
    if memo is not None:
        memo.pop(_MEMO_KEY, None)
    request_memo.read_along_value(REVISION_CACHE_KEY)  # forgotten too
    cache.delete(REVISION_CACHE_KEY)

    def publish() -> None:
        cache.set(REVISION_CACHE_KEY, catalog_revision_from_database(), REVISION_CACHE_SECONDS)

    transaction.on_commit(publish)


T = TypeVar("T")
_PER_REVISION_SIZE = 64
_per_revision: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_per_revision_lock = threading.Lock()


def per_revision(name: str, args: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """`compute()`, kept per process for the current catalog revision and `args` (the 64 most
    recent); the caller copies what it hands out if callers could change it."""
    key = (name, catalog_revision(), *args)
    with _per_revision_lock:
        if key in _per_revision:
            _per_revision.move_to_end(key)
            return _per_revision[key]  # type: ignore[no-any-return]
    value = compute()
    with _per_revision_lock:
        _per_revision[key] = value
        while len(_per_revision) > _PER_REVISION_SIZE:
            _per_revision.popitem(last=False)
    return value


def per_revision_clear() -> None:
    """Forget what `per_revision` kept (tests start from nothing, like a new process)."""
    with _per_revision_lock:
        _per_revision.clear()


# `today()`'s clock (tests inject theirs) and its kept day: (the zone, the day's first second,
# the next day's first second, the day).
clock: Callable[[], float] = time.time
_today: list[tuple[Any, float, float, date]] = [(None, 0.0, 0.0, date.min)]


def today() -> date:
    """`timezone.localdate()` in the default time zone (settings.TIME_ZONE; the portal never
    activates another), kept until the day ends: the date by which price books are valid.
    Asked on every sizing, Django's own (the current zone from asgiref's Local, a datetime
    converted) cost ~0.05 ms of a POST /api/v1/sizing/ request (bench/bench_api_stages.py)."""
    now = clock()
    zone = timezone.get_default_timezone()  # kept by Django until TIME_ZONE changes
    kept_zone, start, end, day = _today[0]
    if kept_zone is zone and start <= now < end:
        return day
    day = datetime.fromtimestamp(now, zone).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    _today[0] = (zone, midnight.timestamp(), (midnight + timedelta(days=1)).timestamp(), day)
    return day


def price_book_current(on: date | None = None) -> PriceBook | None:
    """The price book valid on `on` (today by default) that started most recently."""
    on = on or today()

    def read() -> PriceBook | None:
        books = PriceBook.objects.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
        return books.order_by("-valid_from", "code").first()

    return _copy_row(per_revision("price_book_current", (on,), read))


M = TypeVar("M", bound=Model)


def _copy_row(row: M | None) -> M | None:
    """What `copy.copy(row)` gives (the state Django pickles, `Model.__getstate__`: `__dict__`
    with its own `_state` and fields cache), without pickling's round trip through the app
    registry (~10 µs a request of the sizing API) nor `copy.copy` of the state (the rows kept
    here have no binary field, the other thing `__getstate__` handles)."""
    if row is None:
        return None
    state = object.__new__(ModelState)
    state.__dict__ = dict(row._state.__dict__)
    if "fields_cache" in state.__dict__:
        state.fields_cache = dict(state.fields_cache)
    clone = object.__new__(type(row))
    clone.__dict__ = {**row.__dict__, "_state": state}
    return clone


def price_map(book_code: str) -> dict[str, Decimal]:
    """Unit prices of the price book `book_code`, keyed by part number (empty if unknown)."""

    def read() -> dict[str, Decimal]:
        prices = Price.objects.filter(book__code=book_code)
        return dict(prices.values_list("part__part_number", "unit_price"))

    return dict(per_revision("price_map", (book_code,), read))


def prices_for_parts(book: PriceBook, part_ids: list[int]) -> dict[int, Decimal]:
    """Unit prices in `book` of the given parts, keyed by part id (parts without a price are
    absent)."""
    prices = Price.objects.filter(book=book, part_id__in=part_ids)
    return dict(prices.values_list("part_id", "unit_price"))
