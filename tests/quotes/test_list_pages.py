"""Long quote lists (issue 16): the list defers the JSON sizing copies and long texts it does
not show, and pages keep the query count constant whatever the number of quotes."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.quotes import selectors
from apps.quotes.models import Quote

from . import factories


def _clones(quote: Quote, n: int) -> None:
    """`n` more quotes like `quote` (the list reads only its own columns)."""
    for i in range(n):
        quote.pk = quote.id = None
        quote.number = f"Q-CLONE-{i:04d}"
        quote._state.adding = True
        quote.save()


def test_a_list_row_never_loads_the_json_or_the_terms(book, sales_user, media_root):
    factories.make_quote(sales_user)
    row = selectors.quote_rows(sales_user).get()
    assert set(selectors.LIST_DEFERRED) <= row.get_deferred_fields()
    with CaptureQueriesContext(connection) as ctx:
        assert row.total > 0 and row.number and row.owner.username == "sam"
        assert row.price_book.code == book.code
    assert not ctx.captured_queries
    assert {"password", "last_login", "email"} <= row.owner.get_deferred_fields()
    assert {"name", "valid_from", "valid_to"} <= row.price_book.get_deferred_fields()


def test_pages_of_the_list_cost_the_same_queries_whatever_the_count(
    client, book, sales_user, media_root
):
    client.force_login(sales_user)
    quote = factories.make_quote(sales_user)

    def queries(**params: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("quotes:list"), params)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    few, html = queries()
    assert quote.number in html and "Page 1 of" not in html
    _clones(quote, 110)
    many, html = queries()
    assert many == few
    assert "Page 1 of 3 · 111 in all" in html
    assert len(re.findall(r'href="/quotes/\d+/"', html)) == 50
    last, html = queries(page="3")
    assert last == few and len(re.findall(r'href="/quotes/\d+/"', html)) == 11
    assert 'rel="prev"' in html and 'rel="next"' not in html
    assert 'hx-target="#quote-table" hx-swap="innerHTML"' in html


def test_a_page_that_does_not_exist_is_said_so(client, book, sales_user, media_root):
    client.force_login(sales_user)
    factories.make_quote(sales_user)
    html = client.get(reverse("quotes:list"), {"page": "4"}).content.decode()
    assert "There is no page 4: pages run from 1 to 1." in html and 'role="alert"' in html
    html = client.get(reverse("quotes:list"), {"page": "two"}).content.decode()
    assert "Page must be a whole number from 1 to 1." in html


def test_filters_and_pages_go_together(client, book, sales_user, media_root):
    client.force_login(sales_user)
    _clones(factories.make_quote(sales_user, customer_company="Initech"), 60)
    html = client.get(
        reverse("quotes:list"), {"customer": "initech", "page": "2"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Page 2 of 2 · 61 in all" in html and "customer=initech" in html
