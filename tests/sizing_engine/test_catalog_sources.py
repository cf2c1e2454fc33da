"""Every part number of the shipped catalog says where it comes from (issue 15)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from apps.sizing.engine import to_be_confirmed

CATALOG_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "catalog"
TABLES = sorted(
    p for p in CATALOG_DIR.glob("*.csv") if "part_number" in p.read_text().split("\n")[0]
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_every_part_row_has_a_source_column_and_value(path: Path) -> None:
    rows = _rows(path)
    assert rows, f"{path.name} is empty"
    assert "source" in rows[0], f"{path.name} has no source column"
    missing = [
        r.get("part_number") or "(no number)" for r in rows if not (r["source"] or "").strip()
    ]
    assert not missing, f"{path.name}: parts without a source: {missing}"


def test_the_check_finds_the_part_tables() -> None:
    names = {p.name for p in TABLES}
    assert {"parts.csv", "cables.csv", "cpus.csv", "dimms.csv"} <= names


# The seed's five BoM tables, transcribed (tests/catalog/test_seed_parts.py checks the copy).
SEED_BOMS = CATALOG_DIR.parent / "seed_boms"


def _numbers() -> dict[str, str]:
    """Every part number of the shipped catalog, with the source of its parts.csv row."""
    sources = {r["part_number"]: r["source"] for r in _rows(CATALOG_DIR / "parts.csv")}
    numbers = {}
    for path in TABLES:
        for row in _rows(path):
            for column, value in row.items():
                if column and column.endswith("part_number") and value:
                    numbers[value] = sources.get(value, "")
    return numbers


def test_every_number_is_in_the_seed_an_nvidia_document_or_to_be_confirmed() -> None:
    """A part number is never invented: it is in the seed (Lenovo Press LP1798), or an NVIDIA
    ordering part number cited to NVIDIA's documentation, or a `TBC-…` placeholder whose
    source says why it is to be confirmed."""
    seed = {r["part_number"] for path in SEED_BOMS.glob("*.csv") for r in _rows(path)}
    assert len(seed) > 50
    for number, source in _numbers().items():
        if to_be_confirmed(number):
            assert source.startswith("to be confirmed:"), (number, source)
        elif number not in seed:
            assert number in source and "docs.nvidia.com" in source, (number, source)


def test_no_price_list_prices_a_part_to_be_confirmed() -> None:
    priced = [
        r["part_number"]
        for path in (CATALOG_DIR / "prices").glob("*.csv")
        for r in _rows(path)
        if to_be_confirmed(r["part_number"])
    ]
    assert not priced
    assert any(to_be_confirmed(n) for n in _numbers()), "the catalog has parts to be confirmed"


def test_the_catalog_and_the_engine_share_the_to_be_confirmed_rule() -> None:
    from apps.catalog import csv_format
    from apps.sizing.engine import catalog

    assert csv_format.TBC_PREFIX == catalog.TBC_PREFIX
    for key in ("TBC-GPU-L40S", "BR9U", "MMS4X00-NS"):
        assert csv_format.to_be_confirmed(key) == catalog.to_be_confirmed(key)
