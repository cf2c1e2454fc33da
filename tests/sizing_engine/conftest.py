"""Engine tests run without Django: no settings, no database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

settings.register_profile("ci", max_examples=500, deadline=None)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)  # by hand, pre-release
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

from apps.sizing.engine import CatalogSnapshot, snapshot_from_csv_dir  # noqa: E402

CATALOG_DIR = ROOT / "fixtures" / "catalog"
SEED_DIR = ROOT / "fixtures" / "seed_boms"


@pytest.fixture(scope="session")
def catalog() -> CatalogSnapshot:
    """The shipped catalog, read straight from the CSV fixtures."""
    return snapshot_from_csv_dir(CATALOG_DIR)
