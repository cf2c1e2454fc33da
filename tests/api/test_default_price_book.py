"""A default price book (and so currency) per organization, explicit in the API: a second
valid price book never switches new quotes to another currency; with several valid and no
default the API asks for one by name; the portal's form preselects the default."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import Price, PriceBook
from apps.quotes.models import OrganizationPriceBook

from .helpers import CUSTOMER, error_of, make_scenario


@pytest.fixture(autouse=True)
def _documents(media_root):
    return media_root


@pytest.fixture
def yen(full_catalog):
    """A second price book valid today, started more recently than SAMPLE-USD (the same
    parts, in yen)."""
    book = PriceBook.objects.create(
        code="SAMPLE-JPY",
        name="Sample yen",
        currency="JPY",
        sample=True,
        valid_from=timezone.localdate() - timedelta(days=1),
    )
    usd = Price.objects.filter(book__code="SAMPLE-USD")
    Price.objects.bulk_create(
        Price(book=book, part_id=p.part_id, unit_price=(p.unit_price * 150).quantize(p.unit_price))
        for p in usd
    )
    return book


def _create(persona, **extra):
    scenario = make_scenario(persona.user)
    return persona.client.post("/api/v1/quotes/", {"scenario": scenario.pk, **CUSTOMER, **extra})


def test_a_second_price_book_does_not_switch_the_organizations_currency(alice, yen):
    usd = PriceBook.objects.get(code="SAMPLE-USD")
    OrganizationPriceBook.objects.create(organization=alice.user.organization, price_book=usd)
    response = _create(alice)
    assert response.status_code == 201, response.content
    assert (response.json()["price_book"], response.json()["currency"]) == ("SAMPLE-USD", "USD")
    named = _create(alice, price_book="SAMPLE-JPY")  # naming one still wins
    assert (named.json()["price_book"], named.json()["currency"]) == ("SAMPLE-JPY", "JPY")


def test_without_a_default_several_valid_books_must_be_named(alice, carol, yen):
    OrganizationPriceBook.objects.create(organization=carol.user.organization, price_book=yen)
    response = _create(alice)
    assert response.status_code == 400
    message = error_of(response)["fields"]["price_book"][0]
    assert "no default" in message and "SAMPLE-JPY" in message and "SAMPLE-USD" in message
    assert _create(carol).json()["currency"] == "JPY"  # another organization's default


def test_the_only_valid_book_is_the_default(alice):
    assert _create(alice).json()["price_book"] == "SAMPLE-USD"


def test_price_books_say_which_is_yours(alice, yen):
    OrganizationPriceBook.objects.create(organization=alice.user.organization, price_book=yen)
    books = {
        b["code"]: b["is_default"]
        for b in alice.client.get("/api/v1/catalog/price-books/").json()["results"]
    }
    assert books == {"SAMPLE-JPY": True, "SAMPLE-USD": False}


def test_the_portal_form_preselects_the_default(client, alice, yen):
    OrganizationPriceBook.objects.create(organization=alice.user.organization, price_book=yen)
    scenario = make_scenario(alice.user)
    client.force_login(alice.user)
    page = client.get(reverse("quotes:create_from_scenario", args=[scenario.pk]))
    assert page.context["form"]["price_book"].value() == yen.pk
