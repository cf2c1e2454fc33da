import csv
from datetime import date
from decimal import Decimal

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
