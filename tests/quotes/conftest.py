"""Fixtures of the quote tests: a catalog, a seller and a partner organization, users."""

from __future__ import annotations

import pytest

from . import factories


@pytest.fixture
def seller(db):
    return factories.make_org("seller", name="Seller Inc")


@pytest.fixture
def partner_org(db):
    return factories.make_org("partner", name="Partner One")


@pytest.fixture
def sales_user(seller):
    return factories.make_user(seller, username="sam")


@pytest.fixture
def partner_user(partner_org):
    return factories.make_user(partner_org, username="pat")


@pytest.fixture
def quote(book, sales_user, media_root):
    return factories.make_quote(sales_user)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The share-link miss counter lives in the cache: start every test from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
