import shutil
from pathlib import Path

import pytest

from apps.accounts.choices import OrganizationKind, Role
from apps.catalog.services import catalog_import
from tests.accounts.factories import make_org, make_user

SAMPLE_DIR = Path(__file__).parent / "data" / "sample"
FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "catalog"


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A writable copy of the small sample catalog (tests inject bad rows into it)."""
    target = tmp_path / "catalog"
    shutil.copytree(SAMPLE_DIR, target)
    return target


@pytest.fixture
def sample_catalog(db):
    return catalog_import(SAMPLE_DIR)


@pytest.fixture
def sales_client(client, db):
    user = make_user("sales", make_org("Lenovo", OrganizationKind.SELLER), Role.SALES)
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def empty_catalog(db):
    """These tests start from an empty catalog: the session loads the full one for the rest of
    the suite (tests/conftest.py), so clear it inside this test's transaction."""
    from apps.catalog.csv_format import PRICES, TABLES

    for table in (PRICES, *reversed(TABLES)):
        rows = table.model.objects.all()
        rows._raw_delete(rows.db)  # no per-row signals: fast, and the revision is left alone
