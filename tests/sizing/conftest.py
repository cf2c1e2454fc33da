"""Fixtures of the wizard and scenario tests: the real catalog (imported through the
importer), organizations and users (through the account services)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from apps.accounts.choices import OrganizationKind, Role
from tests.accounts.factories import make_org, make_user

ROOT = Path(__file__).resolve().parents[2]
SMALL = {
    "kind": "inference",
    "model": "llama-3.1-8b",
    "gpu": "l40s-48gb",
    "users": "10",
    "fabric": "infiniband",
}


@pytest.fixture
def catalog(db):
    call_command("catalog_import", str(ROOT / "fixtures" / "catalog"), verbosity=0)


@pytest.fixture
def orgs(db):
    return {
        "seller": make_org("Lenovo", OrganizationKind.SELLER),
        "p1": make_org("Partner One"),
        "p2": make_org("Partner Two"),
    }


@pytest.fixture
def users(orgs):
    return {
        "sales": make_user("sales", orgs["seller"], Role.SALES),
        "p1": make_user("p1", orgs["p1"], Role.PARTNER),
        "p1b": make_user("p1b", orgs["p1"], Role.PARTNER),
        "p2": make_user("p2", orgs["p2"], Role.PARTNER),
    }


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_p1(catalog, users) -> Client:
    return login(users["p1"])


HTMX_RESULT = {"HX-Request": "true", "HX-Target": "result"}
HTMX_WIZARD = {"HX-Request": "true", "HX-Target": "wizard"}
