"""Fixtures of the quote tests: a catalog, a seller and a partner organization, users, and the
documents several PDF tests read (rendered once per process, tests/quotes/documents.py)."""

from __future__ import annotations

import pytest

from apps.accounts.choices import Role
from apps.quotes import services

from . import documents, factories


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


# A pre-training quote: its document explains the training plan (test_pdf_training_plan) and
# is checked for plain words (test_pdf_document).
TRAINING = {
    "kind": "pretraining",
    "model": "llama-2-70b",
    "gpu": "h100-nvl-94gb",
    "training": {"tokens": 2e12, "target_days": 60},
}


@pytest.fixture
def training_document(book, sales_user, media_root, django_capture_on_commit_callbacks):
    def build() -> documents.Document:
        scenario = factories.make_scenario(sales_user, TRAINING)
        quote = factories.make_quote(sales_user, scenario=scenario)
        with django_capture_on_commit_callbacks(execute=False):
            quote, _ = services.quote_send(user=sales_user, quote=quote)
        return documents.render(quote)

    return documents.once("training, sent", build)


@pytest.fixture
def accepted_document(
    settings, book, seller, partner_user, media_root, django_capture_on_commit_callbacks
):
    """The inference document of a partner's quote whose 25 % discount (above the partner's
    10 %) a sales manager approved, accepted by the customer through a share link: its
    acceptance block (test_pdf_document), the approval (test_discounts), the serving plan."""

    def build() -> documents.Document:
        settings.QUOTES_DISCOUNT_LIMITS = {"partner": "10"}
        manager = factories.make_user(seller, role=Role.MANAGER, username="approver-mia")
        manager.first_name, manager.last_name = "Mia", "Manager"
        manager.save()
        quote = factories.make_quote(partner_user)
        quote = services.quote_update(
            user=partner_user, quote=quote, data={"discount_percent": "25"}
        )
        services.quote_discount_approve(user=manager, quote=quote)
        with django_capture_on_commit_callbacks(execute=False):
            quote, _ = services.quote_send(user=partner_user, quote=quote)
        link, _token = services.share_link_create(user=partner_user, quote=quote)
        with django_capture_on_commit_callbacks(execute=False):
            accepted = services.quote_accept(link=link, name="Grace Hopper")
        return documents.render(accepted)

    return documents.once("inference, 25 % approved, accepted", build)
