"""Every part number and description of the seed's five BoM tables (Small, Medium, Large,
repeatable Ethernet node, software; transcribed in fixtures/seed_boms/) is in the catalog
imported from fixtures/catalog/, with the seed's exact description."""

import csv
import re

import pytest

from apps.catalog.models import Part
from apps.catalog.services import catalog_import

from .conftest import FIXTURES_DIR

SEED_DIR = FIXTURES_DIR.parent / "seed_boms"
SEED_TABLES = ["small.csv", "medium.csv", "large.csv", "ethernet_node.csv", "software.csv"]

# The seed's Large table labels a few lines with their rack and role ("Rack 1 - Compute: ")
# where the Small and Medium tables show the same part with its kind ("Server: ", "Switch: ").
# That label is layout, not part of the part's description: the canonical description is the
# seed's unlabelled one, so exactly these labels are replaced by the kind they stand for.
LOCATION_PREFIXES = {
    "Rack 1 - Compute: ": "Server: ",
    "Rack 2 - Compute: ": "Server: ",
    "Rack 1 - Compute Switch: ": "Switch: ",
    "Rack 2 - Compute Switch: ": "Switch: ",
    "Rack 1 - Mgmt. Switch: ": "Switch: ",
}
EXPECTED_PREFIXED_LINES = {
    ("large.csv", "1", "7D9RCTOLWW"),
    ("large.csv", "56", "0724HEC"),
    ("large.csv", "65", "7D5FCTO1WW-HPC"),
    ("large.csv", "71", "7D9RCTOLWW"),
    ("large.csv", "126", "0724HEC"),
}


def seed_lines() -> list[tuple[str, dict[str, str]]]:
    lines = []
    for name in SEED_TABLES:
        with (SEED_DIR / name).open(newline="", encoding="utf-8") as fh:
            lines += [(name, row) for row in csv.DictReader(fh)]
    return lines


def canonical(description: str) -> str:
    for prefix, kind in LOCATION_PREFIXES.items():
        if description.startswith(prefix):
            return kind + description.removeprefix(prefix)
    return description


def test_only_the_expected_seed_lines_carry_a_location_prefix():
    prefixed = {
        (name, row["line"], row["part_number"])
        for name, row in seed_lines()
        if re.match(r"Rack \d+ - ", row["description"])
    }
    assert prefixed == EXPECTED_PREFIXED_LINES
    assert all(
        canonical(row["description"]) != row["description"]
        for name, row in seed_lines()
        if (name, row["line"], row["part_number"]) in EXPECTED_PREFIXED_LINES
    )


@pytest.mark.django_db
def test_every_seed_part_is_in_the_catalog_with_its_exact_description():
    catalog_import(FIXTURES_DIR)
    catalog = dict(Part.objects.values_list("part_number", "description"))
    lines = seed_lines()
    assert len(lines) == 69 + 69 + 134 + 49 + 3  # lines of Tables 1, 2, 3, 4 and 5
    problems = [
        f"{name}:{row['line']} {row['part_number']}: seed {canonical(row['description'])!r}, "
        f"catalog {catalog.get(row['part_number'])!r}"
        for name, row in lines
        if catalog.get(row["part_number"]) != canonical(row["description"])
    ]
    assert problems == []
    # distinct part numbers across the five tables
    assert len({row["part_number"] for _, row in lines}) == 83
