"""PATCH /api/v1/quotes/{id}/: a draft changes with the portal's own validation (the quote
form), field by field; a sent quote answers 409; another tenant's quote 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.quotes import services
from apps.quotes.forms import QuoteForm
from apps.quotes.models import Quote

from .helpers import error_of, make_quote


@pytest.fixture(autouse=True)
def _documents(media_root):
    return media_root


def test_a_draft_is_patched_and_repriced(alice):
    quote = make_quote(alice.user)
    line = quote.lines.order_by("position").first()
    until = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = alice.client.patch(
        f"/api/v1/quotes/{quote.pk}/",
        {
            "customer_company": "Renamed AG",
            "valid_until": until,
            "discount_percent": "10",
            "lines": [{"id": line.pk, "discount_percent": "5"}],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    quote.refresh_from_db()
    line.refresh_from_db()
    assert body["customer_company"] == quote.customer_company == "Renamed AG"
    assert quote.valid_until.isoformat() == until and quote.discount_percent == Decimal("10")
    assert line.discount_percent == Decimal("5")
    assert body["total"] == str(quote.total) and quote.total < quote.subtotal
    # fields not given are unchanged
    assert quote.customer_contact and body["customer_email"] == quote.customer_email


def _portal_errors(quote: Quote, **changes: str) -> dict[str, list[str]]:
    data = {
        "customer_company": quote.customer_company,
        "customer_contact": quote.customer_contact,
        "customer_email": quote.customer_email,
        "price_book": quote.price_book_id,
        "valid_until": quote.valid_until.isoformat(),
        "discount_percent": str(quote.discount_percent),
        "terms": quote.terms,
        "notes": quote.notes,
        **changes,
    }
    form = QuoteForm(data, instance=Quote.objects.get(pk=quote.pk))
    assert not form.is_valid()
    return {k: [str(e) for e in v] for k, v in form.errors.items()}


@pytest.mark.parametrize(
    "changes",
    [
        {"customer_email": "not-an-email"},
        {"valid_until": "2000-01-01"},
        {"discount_percent": "150"},
        {"customer_company": ""},
        {"valid_until": "31/31/2020"},
    ],
)
def test_invalid_patches_get_the_portals_messages(alice, changes):
    quote = make_quote(alice.user)
    before = (quote.customer_company, quote.total, quote.valid_until)
    response = alice.client.patch(f"/api/v1/quotes/{quote.pk}/", changes)
    assert response.status_code == 400, response.content
    fields = error_of(response)["fields"]
    assert fields == _portal_errors(quote, **changes)
    quote.refresh_from_db()
    assert (quote.customer_company, quote.total, quote.valid_until) == before


def test_unknown_fields_lines_and_books_are_named(alice):
    quote = make_quote(alice.user)
    url = f"/api/v1/quotes/{quote.pk}/"
    response = alice.client.patch(url, {"status": "accepted", "total": "1"})
    assert response.status_code == 400 and set(error_of(response)["fields"]) == {"status", "total"}
    response = alice.client.patch(url, {"lines": [{"id": 999999, "discount_percent": "1"}]})
    assert response.status_code == 400 and "lines" in error_of(response)["fields"]
    response = alice.client.patch(url, {"price_book": "NOPE"})
    assert response.status_code == 400 and "price_book" in error_of(response)["fields"]
    for body in ("0", "[]", '"x"'):
        response = alice.client.patch(url, body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
        assert error_of(response)["fields"] == {"__all__": ["must be a JSON object"]}


def test_a_sent_quote_cannot_be_patched_and_other_tenants_see_nothing(
    alice, alice_ro, carol, django_capture_on_commit_callbacks
):
    quote = make_quote(alice.user)
    assert carol.client.patch(f"/api/v1/quotes/{quote.pk}/", {"notes": "x"}).status_code == 404
    assert alice_ro.client.patch(f"/api/v1/quotes/{quote.pk}/", {"notes": "x"}).status_code == 403
    with django_capture_on_commit_callbacks(execute=False):
        services.quote_send(user=alice.user, quote=quote)
    response = alice.client.patch(f"/api/v1/quotes/{quote.pk}/", {"notes": "x"})
    assert response.status_code == 409 and error_of(response)["code"] == "conflict"
