import csv
import time
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.catalog.csv_format import TABLES
from apps.catalog.models import Part, PriceBook
from apps.catalog.selectors import (
    catalog_rows,
    catalog_version,
    part_list,
    price_book_current,
    price_map,
    price_rows,
)
from apps.catalog.services import catalog_import

from .conftest import SAMPLE_DIR


def test_catalog_rows_is_the_csv_row_format(sample_catalog, django_assert_num_queries):
    with django_assert_num_queries(len(TABLES)):
        rows = catalog_rows()
    assert list(rows) == [t.name for t in TABLES]
    with (SAMPLE_DIR / "gpus.csv").open(newline="") as fh:
        assert rows["gpus"] == list(csv.DictReader(fh))
    assert rows["cables"][1] == {
        "part_number": "B4L2",
        "kind": "power",
        "fabric": "power",
        "length_m": "2",
        "fanout": "1",
        "gbps": "",
        "colour": "",
        "source": "seed Table 1",
    }
    assert rows["node_parts"][1]["profile"] == "hpc-ai-ib"


def test_catalog_rows_join_no_table(sample_catalog):
    # Joined, the node profiles' references made a twelve-table SELECT that twice ran until the
    # statement timeout on a freshly filled test database (selectors.table_rows)
    with CaptureQueriesContext(connection) as ctx:
        rows = catalog_rows()
    assert rows["node_profiles"] and all(r["server_part_number"] for r in rows["node_profiles"])
    assert [q["sql"] for q in ctx.captured_queries if " JOIN " in q["sql"]] == []


def test_price_rows(sample_catalog):
    assert price_rows() == {
        "SAMPLE-TEST": [
            {"part_number": "7D9RCTOLWW", "unit_price": "25000.00"},
            {"part_number": "BR9U", "unit_price": "30000.00"},
            {"part_number": "BG3F", "unit_price": "450.50"},
        ]
    }


def test_part_list_search_and_category(sample_catalog):
    assert [p.part_number for p in part_list(search="quantum")] == ["0724HEC", "BP63"]
    assert [p.part_number for p in part_list(search="br9")] == ["BR9U"]
    assert [p.part_number for p in part_list(category="network_adapter")] == ["B93E", "BQBN"]
    assert list(part_list(search="Filler", category="cpu")) == []


def test_price_book_current_picks_the_latest_valid_book(db):
    PriceBook.objects.create(
        code="OLD",
        name="Old",
        currency="USD",
        valid_from=date(2023, 1, 1),
        valid_to=date(2023, 12, 31),
    )
    PriceBook.objects.create(code="NOW", name="Now", currency="USD", valid_from=date(2024, 1, 1))
    PriceBook.objects.create(code="NEXT", name="Next", currency="USD", valid_from=date(2030, 1, 1))
    assert price_book_current(date(2023, 6, 1)).code == "OLD"
    assert price_book_current(date(2025, 6, 1)).code == "NOW"
    assert price_book_current(date(2022, 6, 1)) is None


def test_today_is_the_local_date_and_changes_at_midnight(monkeypatch, settings):
    """`today()` keeps the day until it ends: the kept one is never given past midnight of
    the default time zone, nor before the day began (a clock set back)."""
    from apps.catalog import selectors

    settings.TIME_ZONE = "Europe/Paris"  # UTC+1 in December
    monkeypatch.setattr(selectors, "_today", [(None, 0.0, 0.0, date.min)])
    late = datetime(2026, 12, 3, 22, 59, 59, tzinfo=UTC).timestamp()  # 23:59:59 in Paris
    monkeypatch.setattr(selectors, "clock", lambda: late)
    assert selectors.today() == date(2026, 12, 3)
    monkeypatch.setattr(selectors, "clock", lambda: late + 1)  # midnight in Paris
    assert selectors.today() == date(2026, 12, 4)
    monkeypatch.setattr(selectors, "clock", lambda: late - 86400)
    assert selectors.today() == date(2026, 12, 2)
    night = datetime(2026, 12, 2, 3, 0, tzinfo=UTC).timestamp()  # the 2nd in Paris
    monkeypatch.setattr(selectors, "clock", lambda: night)
    assert selectors.today() == date(2026, 12, 2)
    settings.TIME_ZONE = "America/New_York"  # another zone: not the day kept for Paris
    assert selectors.today() == date(2026, 12, 1)  # 22:00 on the 1st in New York
    monkeypatch.setattr(selectors, "clock", time.time)
    assert selectors.today() == timezone.localdate()


def test_price_map_by_book_code(sample_catalog):
    prices = price_map("SAMPLE-TEST")
    assert prices == {
        "7D9RCTOLWW": Decimal("25000.00"),
        "BR9U": Decimal("30000.00"),
        "BG3F": Decimal("450.50"),
    }
    assert price_map("NO-SUCH-BOOK") == {}


def test_catalog_version_changes_with_the_catalog(db, sample_dir):
    before = catalog_version()
    catalog_import(sample_dir)
    after_import = catalog_version()
    catalog_import(sample_dir)
    assert catalog_version() == after_import > before  # a no-op import is not a change
    part = Part.objects.get(part_number="B993")
    part.description = "Edited in the admin"
    part.save()
    assert catalog_version() == after_import + 1
