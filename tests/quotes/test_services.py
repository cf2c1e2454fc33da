"""Quotes through their services: pricing, numbers, lifecycle, revisions, share links."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.models import Price, PriceBook
from apps.core.exceptions import ApplicationError
from apps.quotes import selectors, services
from apps.quotes.choices import QuoteStatus
from apps.quotes.models import PdfJob, Quote, QuoteNumberCounter, ShareLink

from . import factories

pytestmark = pytest.mark.django_db


def test_quote_from_scenario_prices_every_bom_line(quote, book) -> None:
    bom = quote.scenario.result["bom"]
    lines = list(quote.lines.all())
    assert len(lines) == len(bom)
    assert sorted((ln.part_number, ln.quantity) for ln in lines) == sorted(
        (b["part_number"], b["quantity"]) for b in bom
    )
    prices = {p.part.part_number: p.unit_price for p in Price.objects.filter(book=book)}
    for line in lines:  # a part to be confirmed has no price and stays out of the totals
        assert line.unit_price == prices.get(line.part_number)
        if line.to_be_confirmed:
            assert line.line_total is None and line.part_number.startswith("TBC-")
        else:
            assert line.line_total == line.unit_price * line.quantity
    assert quote.subtotal == sum(ln.line_total for ln in lines if ln.line_total is not None)
    assert quote.total == quote.subtotal > 0
    assert quote.is_sample and quote.currency == "USD"
    assert quote.status == QuoteStatus.DRAFT and quote.revision == "A"
    year = timezone.localdate().year
    assert quote.number == f"Q-{year}-00001"
    assert quote.valid_until == timezone.localdate() + timedelta(days=30)
    # Lines come in section order.
    order = ["compute", "fabric", "management", "software", "services"]
    assert [order.index(ln.section) for ln in lines] == sorted(
        order.index(ln.section) for ln in lines
    )
    change = quote.status_changes.get()
    assert (change.to_status, change.changed_by) == ("draft", quote.owner)


def test_numbers_are_consecutive_and_a_failed_creation_gives_its_number_back(
    book, sales_user, media_root
) -> None:
    first = factories.make_quote(sales_user)
    empty = PriceBook.objects.create(
        code="EMPTY", name="No prices", currency="USD", valid_from=book.valid_from
    )
    with pytest.raises(ApplicationError) as err:
        factories.make_quote(sales_user, book=empty)
    assert "EMPTY has no price for" in err.value.field_errors["price_book"][0]
    second = factories.make_quote(sales_user)
    year = timezone.localdate().year
    assert (first.number, second.number) == (f"Q-{year}-00001", f"Q-{year}-00002")
    assert QuoteNumberCounter.objects.get(year=year).last_value == 2


def test_overall_and_line_discounts_recompute_totals(quote, sales_user) -> None:
    line = quote.lines.filter(line_total__isnull=False).order_by("-line_total").first()
    quote = services.quote_update(
        user=sales_user,
        quote=quote,
        data={"discount_percent": Decimal("10")},
        line_discounts={line.pk: "12.5"},
    )
    line.refresh_from_db()
    assert line.discount_percent == Decimal("12.50")
    assert line.line_total == (line.unit_price * line.quantity * Decimal("0.875")).quantize(
        Decimal("0.01")
    )
    assert quote.subtotal == sum(ln.line_total for ln in quote.lines.all() if ln.line_total)
    assert quote.discount_amount == (quote.subtotal / 10).quantize(Decimal("0.01"))
    assert quote.total == quote.subtotal - quote.discount_amount


@pytest.mark.parametrize(
    "bad",
    [
        {"discount_percent": "101"},
        {"discount_percent": "-1"},
        {"discount_percent": "1.234"},
        {"valid_until": "past"},
    ],
)
def test_bad_input_is_refused_with_field_errors(quote, sales_user, bad) -> None:
    if bad.get("valid_until") == "past":
        bad = {"valid_until": timezone.localdate() - timedelta(days=1)}
    with pytest.raises(ApplicationError) as err:
        services.quote_update(user=sales_user, quote=quote, data=bad)
    assert set(err.value.field_errors) == set(bad)


def test_send_makes_it_immutable_with_a_link_and_a_document(
    quote, sales_user, django_capture_on_commit_callbacks, one_page_document
) -> None:
    # the render is the one-page template's: that the send makes a document is the subject
    # here, its pages are tests/quotes/test_pdf*.py's
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        quote, token = services.quote_send(user=sales_user, quote=quote)
    assert len(callbacks) == 1  # the render was enqueued after the commit
    assert quote.status == QuoteStatus.SENT and quote.sent_at
    assert len(token) == 43  # 256 bits, urlsafe base64
    link = ShareLink.objects.get(quote=quote)
    assert link.token_hash == selectors.hash_token(token) != token
    assert selectors.share_link_resolve(token) == link
    assert PdfJob.objects.get(quote=quote).status == "ready"  # eager in tests
    with pytest.raises(ApplicationError):
        services.quote_update(user=sales_user, quote=quote, data={"notes": "changed"})
    with pytest.raises(ApplicationError):
        services.quote_send(user=sales_user, quote=quote)
    assert [c.to_status for c in quote.status_changes.all()] == ["draft", "sent"]


def test_revise_keeps_the_earlier_revision_and_supersedes_it_when_sent(
    quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # the PDF is not the subject
        quote, token_a = services.quote_send(user=sales_user, quote=quote)
    total_a = quote.total
    b = services.quote_revise(user=sales_user, quote=quote)
    assert (b.number, b.revision, b.status) == (quote.number, "B", "draft")
    assert b.lines.count() == quote.lines.count()
    b = services.quote_update(user=sales_user, quote=b, data={"discount_percent": "5"})
    with pytest.raises(ApplicationError):
        services.quote_revise(user=sales_user, quote=quote)  # only the latest
    with django_capture_on_commit_callbacks(execute=False):
        b, token_b = services.quote_send(user=sales_user, quote=b)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SUPERSEDED and quote.total == total_a
    assert selectors.share_link_resolve(token_a) is None
    assert selectors.share_link_resolve(token_b).quote == b
    assert list(selectors.quote_revisions(b)) == [quote, b]
    assert list(selectors.quote_list(sales_user)) == [b]
    c = services.quote_revise(user=sales_user, quote=b)
    assert c.revision == "C"


def test_next_revision_letter() -> None:
    assert [services.next_revision_letter(x) for x in ["A", "B", "Z", "AZ", "ZZ"]] == [
        "B",
        "C",
        "AA",
        "BA",
        "AAA",
    ]


def _sent(quote, user, capture):
    with capture(execute=False):  # the decision is the subject here, not the PDF
        return services.quote_send(user=user, quote=quote)


def test_customer_accepts_with_typed_name(
    quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    quote, token = _sent(quote, sales_user, django_capture_on_commit_callbacks)
    link = selectors.share_link_resolve(token)
    with pytest.raises(ApplicationError) as err:
        services.quote_accept(link=link, name="   ")
    assert "name" in err.value.field_errors
    quote = services.quote_accept(link=link, name="  Ada   Lovelace ")
    assert quote.status == QuoteStatus.ACCEPTED and quote.accepted_by_name == "Ada Lovelace"
    change = quote.status_changes.last()
    assert change.changed_by is None and "Ada Lovelace" in change.actor
    with pytest.raises(ApplicationError):
        services.quote_reject(link=link)
    with pytest.raises(ApplicationError):
        services.quote_revise(user=sales_user, quote=quote)


def test_customer_rejects_then_a_revision_can_follow(
    quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    quote, token = _sent(quote, sales_user, django_capture_on_commit_callbacks)
    quote = services.quote_reject(link=selectors.share_link_resolve(token), reason="too dear")
    assert quote.status == QuoteStatus.REJECTED and quote.decision_reason == "too dear"
    assert services.quote_revise(user=sales_user, quote=quote).revision == "B"


def test_expiry_by_date(quote, sales_user, django_capture_on_commit_callbacks) -> None:
    quote, token = _sent(quote, sales_user, django_capture_on_commit_callbacks)
    link = selectors.share_link_resolve(token)
    Quote.objects.filter(pk=quote.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    link.quote.refresh_from_db()
    with pytest.raises(ApplicationError) as err:
        services.quote_accept(link=link, name="Ada")
    assert "expired" in err.value.field_errors["__all__"][0]
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.EXPIRED
    assert quote.status_changes.last().actor == "system"


def test_expire_due_sweeps_sent_quotes_only(
    book, sales_user, media_root, django_capture_on_commit_callbacks
) -> None:
    sent, _ = _sent(
        factories.make_quote(sales_user), sales_user, django_capture_on_commit_callbacks
    )
    draft = factories.make_quote(sales_user)
    assert services.quotes_expire_due(today=timezone.localdate() + timedelta(days=31)) == 1
    sent.refresh_from_db()
    draft.refresh_from_db()
    assert (sent.status, draft.status) == ("expired", "draft")


def test_revoked_and_expired_links_resolve_to_nothing(
    quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    quote, token = _sent(quote, sales_user, django_capture_on_commit_callbacks)
    link = selectors.share_link_resolve(token)
    services.share_link_revoke(user=sales_user, link=link)
    assert selectors.share_link_resolve(token) is None
    link2, token2 = services.share_link_create(
        user=sales_user, quote=quote, expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert selectors.share_link_resolve(token2) is None
    assert selectors.share_link_resolve("x" * 43) is None
    assert selectors.share_link_resolve(token[:-1]) is None
