"""Test data for quotes, built through the real code paths: the catalog importer, the sizing
engine's Django entry point (`gateway.size_or_raise`) and the quote services."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

from apps.accounts.choices import OrganizationKind, Role
from apps.accounts.models import Organization, User
from apps.catalog.models import PriceBook
from apps.catalog.services import catalog_import
from apps.quotes import services
from apps.quotes.models import Quote
from apps.sizing.gateway import size_or_raise
from apps.sizing.models import Scenario

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_BOOK = "SAMPLE-USD"
INFERENCE_WORKLOAD: dict[str, Any] = {
    "kind": "inference",
    "model": "llama-2-70b",
    "precision": "fp8",
    "inference": {"concurrent_users": 500, "prompt_tokens": 1000, "output_tokens": 300},
    "gpu": "h100-nvl-94gb",
    "fabric": "infiniband",
    "deployment": "bare_metal",
}
# The seed's Large configuration: a fixed node count selects capacity mode.
LARGE_WORKLOAD: dict[str, Any] = {
    "kind": "inference",
    "model": "llama-2-70b",
    "gpu": "h100-pcie-80gb",
    "nodes": 16,
    "fabric": "infiniband",
    "deployment": "bare_metal",
    "inference": {"concurrent_users": 500, "prompt_tokens": 1000, "output_tokens": 300},
}
_seq = itertools.count(1)


def load_catalog() -> PriceBook:
    """The catalog fixtures (parts, GPUs, … and the SAMPLE-USD price book): loaded once per
    test database by tests/conftest.py, imported again here only after a transactional test
    flushed it."""
    if not PriceBook.objects.filter(code=SAMPLE_BOOK).exists():
        catalog_import(ROOT / "fixtures" / "catalog")
    return PriceBook.objects.get(code=SAMPLE_BOOK)


def make_org(kind: str = OrganizationKind.SELLER, name: str | None = None) -> Organization:
    n = next(_seq)
    name = name or f"{kind.title()} Org {n}"
    return Organization.objects.create(name=name, slug=f"{kind}-org-{n}", kind=kind)


def make_user(org: Organization, role: str | None = None, username: str | None = None) -> User:
    role = role or (Role.SALES if org.kind == OrganizationKind.SELLER else Role.PARTNER)
    return User.objects.create_user(
        username=username or f"user{next(_seq)}",
        password="pw-for-tests-only",
        organization=org,
        role=role,
    )


_results: dict[str, dict[str, Any]] = {}


def sizing_result(workload: dict[str, Any]) -> dict[str, Any]:
    """The engine's result for a workload (computed once per test session and workload)."""
    key = repr(sorted(workload.items()))
    if key not in _results:
        _results[key] = size_or_raise(workload)
    return copy.deepcopy(_results[key])


def make_scenario(
    user: User, workload: dict[str, Any] | None = None, name: str = "Scenario"
) -> Scenario:
    workload = workload or INFERENCE_WORKLOAD
    result = sizing_result(workload)
    return Scenario.objects.create(
        organization=user.organization,
        owner=user,
        name=name,
        inputs=workload,
        result=result,
        engine_version=str(result.get("engine_version", "test")),
    )


def make_quote(
    user: User, *, scenario: Scenario | None = None, book: PriceBook | None = None, **fields: Any
) -> Quote:
    scenario = scenario or make_scenario(user)
    book = book or PriceBook.objects.get(code=SAMPLE_BOOK)
    data = {
        "customer_company": "Acme Research GmbH",
        "customer_contact": "Ada Lovelace",
        "customer_email": "ada@example.com",
        **fields,
    }
    return services.quote_create_from_scenario(
        user=user, scenario=scenario, price_book=book, **data
    )
