"""Engine tests run without Django: no settings, no database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The hypothesis profiles (ci 500 examples, dev 50, thorough 2000) are registered and loaded in
# tests/conftest.py, for every directory of the suite (HYPOTHESIS_PROFILE, default dev).

from apps.sizing.engine import CatalogSnapshot, snapshot_from_csv_dir  # noqa: E402

CATALOG_DIR = ROOT / "fixtures" / "catalog"
SEED_DIR = ROOT / "fixtures" / "seed_boms"


@pytest.fixture(scope="session")
def catalog() -> CatalogSnapshot:
    """The shipped catalog, read straight from the CSV fixtures."""
    return snapshot_from_csv_dir(CATALOG_DIR)
