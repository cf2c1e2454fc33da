"""The catalog revision is read once per request, and what is kept per revision (the current
price book, its prices) follows every catalog change at once."""

from __future__ import annotations

from decimal import Decimal

from apps.catalog import selectors
from apps.catalog.models import Price
from apps.core import request_memo


def test_the_revision_is_read_once_per_request(sample_catalog, django_assert_num_queries):
    request_memo.request_started()  # what Django's request_started signal runs
    try:
        with django_assert_num_queries(1):  # the shared cache was emptied: one read
            first = selectors.catalog_revision()
        with django_assert_num_queries(0):
            assert selectors.catalog_revision() == first
    finally:
        request_memo.request_finished()
    request_memo.request_started()  # what Django's request_started signal runs
    try:
        with django_assert_num_queries(0):  # a later request: from the shared cache
            assert selectors.catalog_revision() == first
    finally:
        request_memo.request_finished()


def test_a_price_change_is_seen_at_once_even_within_a_request(sample_catalog):
    request_memo.request_started()  # what Django's request_started signal runs
    try:
        before = selectors.catalog_revision()
        assert selectors.price_map("SAMPLE-TEST")["BR9U"] == Decimal("30000.00")
        price = Price.objects.get(book__code="SAMPLE-TEST", part__part_number="BR9U")
        price.unit_price = Decimal("31000.00")
        price.save()  # an admin edit: the revision moves (catalog signals)
        assert selectors.catalog_revision() != before
        assert selectors.price_map("SAMPLE-TEST")["BR9U"] == Decimal("31000.00")
    finally:
        request_memo.request_finished()


def test_prices_are_read_once_per_revision(sample_catalog, django_assert_num_queries):
    selectors.price_map("SAMPLE-TEST")
    selectors.price_book_current()
    with django_assert_num_queries(0):  # the revision from the shared cache, the rest kept
        assert selectors.price_map("SAMPLE-TEST")["BG3F"] == Decimal("450.50")
        book = selectors.price_book_current()
    assert book is not None and book.code == "SAMPLE-TEST"


def test_a_caller_cannot_change_what_the_next_one_gets(sample_catalog):
    selectors.price_map("SAMPLE-TEST")["BR9U"] = Decimal("1")
    book = selectors.price_book_current()
    assert book is not None
    book.name = "changed by a caller"
    book._state.db = "other"
    book._state.fields_cache["x"] = 1
    assert selectors.price_map("SAMPLE-TEST")["BR9U"] == Decimal("30000.00")
    again = selectors.price_book_current()
    assert again is not None and again.name != "changed by a caller"
    assert again._state.db == "default" and "x" not in again._state.fields_cache
