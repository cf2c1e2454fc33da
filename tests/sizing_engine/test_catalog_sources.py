"""Every part number of the shipped catalog says where it comes from (issue 15)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

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
