"""Fixtures of the API tests: two partner organizations, personas with tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.accounts.choices import ApiTokenScope, Role

from .helpers import ApiClient, partner_org, persona, with_token


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: every test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "documents"
    return settings.MEDIA_ROOT


@pytest.fixture
def orgs(full_catalog):
    return {"a": partner_org("Partner A"), "b": partner_org("Partner B")}


@pytest.fixture
def alice(orgs):
    """Owner of the objects under test (partner A)."""
    return persona("alice", orgs["a"])


@pytest.fixture
def bob(orgs):
    """Another user of partner A (not an admin)."""
    return persona("bob", orgs["a"])


@pytest.fixture
def carol(orgs):
    """A user of another partner, B."""
    return persona("carol", orgs["b"], Role.ADMIN)


@pytest.fixture
def alice_ro(alice):
    """Alice's read-only token."""
    return with_token(alice.user, ApiTokenScope.READ)


@pytest.fixture
def anonymous():
    return ApiClient()
