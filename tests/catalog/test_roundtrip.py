"""import → export → import: the export is the import format, and importing it is a no-op."""

import csv
from pathlib import Path

import pytest

from apps.catalog.csv_format import PRICES, TABLES_BY_NAME, parse_cell
from apps.catalog.services import catalog_export, catalog_import

from .conftest import FIXTURES_DIR, SAMPLE_DIR


def read_typed(directory: Path) -> dict[str, list[dict]]:
    """Every CSV file of `directory` as typed values (so `2.0` and `2` compare equal)."""
    result = {}
    for path in sorted(directory.rglob("*.csv")):
        table = PRICES if path.parent.name == "prices" else TABLES_BY_NAME[path.stem]
        with path.open(newline="", encoding="utf-8") as fh:
            result[str(path.relative_to(directory))] = [
                {c.name: parse_cell(table, c, row[c.name]) for c in table.columns}
                for row in csv.DictReader(fh)
            ]
    return result


def snapshot(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): p.read_text(encoding="utf-8")
        for p in sorted(directory.rglob("*.csv"))
    }


@pytest.mark.parametrize("source", [SAMPLE_DIR, FIXTURES_DIR], ids=["sample", "fixtures"])
def test_round_trip(db, tmp_path, source):
    catalog_import(source)
    first, second = tmp_path / "first", tmp_path / "second"
    catalog_export(first)
    exported = read_typed(first)
    # Every row of the source comes back with the same values, in the same order.
    for name, rows in read_typed(source).items():
        assert exported[name] == rows, name
    assert catalog_import(first).changed == 0
    catalog_export(second)
    assert snapshot(second) == snapshot(first)


def test_export_writes_every_table_even_when_empty(db, tmp_path):
    written = catalog_export(tmp_path)
    assert len(written) == 13
    assert (tmp_path / "gpus.csv").read_text().startswith("slug,name,part_number,memory_gb,")
