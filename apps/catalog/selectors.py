"""Reads of the catalog.

`catalog_rows()` is the catalog in exactly the CSV row format of fixtures/catalog/README.md;
the sizing adapter feeds it to `apps.sizing.engine.catalog.snapshot_from_rows()` and the export
writes it to files, so the engine, the files and the database cannot drift apart.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from .csv_format import PRICES, TABLES, Table, column_path, format_cell
from .models import CatalogRevision, Gpu, Part, Price, PriceBook

CsvRows = list[dict[str, str]]


def catalog_rows() -> dict[str, CsvRows]:
    """Every catalog table (`parts`, `gpus`, …, `price_books`; key = file stem) as CSV rows:
    dicts of column → cell text, in the order the rows were first imported. Prices are in
    `price_rows()`. One query per table."""
    return {table.name: table_rows(table) for table in TABLES}


def price_rows() -> dict[str, CsvRows]:
    """The rows of `prices/CODE.csv` for every price book, keyed by book code."""
    codes = PriceBook.objects.order_by("code").values_list("code", flat=True)
    return {code: table_rows(PRICES, book__code=code) for code in codes}


def table_rows(table: Table, **filters: object) -> CsvRows:
    """One table as CSV rows (see `catalog_rows`)."""
    paths = [column_path(column) for column in table.columns]
    values = table.model.objects.filter(**filters).order_by("pk").values_list(*paths)
    return [
        {
            column.name: format_cell(column, value)
            for column, value in zip(table.columns, row, strict=True)
        }
        for row in values
    ]


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


def price_book_current(on: date | None = None) -> PriceBook | None:
    """The price book valid on `on` (today by default) that started most recently."""
    on = on or timezone.localdate()
    books = PriceBook.objects.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    return books.order_by("-valid_from", "code").first()


def catalog_version() -> int:
    """A number that changes whenever the catalog changes (0 before the first import)."""
    number = CatalogRevision.objects.filter(pk=1).values_list("number", flat=True).first()
    return number or 0


def price_map(book_code: str) -> dict[str, Decimal]:
    """Unit prices of the price book `book_code`, keyed by part number (empty if unknown)."""
    prices = Price.objects.filter(book__code=book_code)
    return dict(prices.values_list("part__part_number", "unit_price"))


def prices_for_parts(book: PriceBook, part_ids: list[int]) -> dict[int, Decimal]:
    """Unit prices in `book` of the given parts, keyed by part id (parts without a price are
    absent)."""
    prices = Price.objects.filter(book=book, part_id__in=part_ids)
    return dict(prices.values_list("part_id", "unit_price"))
