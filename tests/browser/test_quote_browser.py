"""Quotes in a real browser: "Save and quote" from the wizard, and the customer's decision on
the share page, logged out (the page's own POSTs must pass CSRF origin checking)."""

from __future__ import annotations

import re

import pytest

from apps.accounts.choices import OrganizationKind, Role
from apps.quotes import services
from apps.quotes.models import PdfJob, Quote, QuoteDecision
from apps.sizing.models import Scenario
from tests.accounts import factories as accounts
from tests.quotes import factories

from .conftest import Shots, log_in, log_in_by_cookie

pytestmark = pytest.mark.browser


@pytest.fixture
def seller_sam(transactional_db, media_root):
    factories.load_catalog()
    return accounts.make_user("sam", accounts.make_org("Seller Browser", OrganizationKind.SELLER))


def _sent(user, company: str) -> tuple[Quote, str]:
    quote, token = services.quote_send(
        user=user, quote=factories.make_quote(user, customer_company=company)
    )
    return quote, token


def test_customer_accepts_one_link_and_rejects_another_logged_out(
    tab, live_server, seller_sam, tasks_to_broker
):
    # The two sends hand their documents to the broker, as production does (no render here:
    # the document is not this test's subject; tests/quotes/test_worker.py renders it).
    page, base = tab, live_server.url
    shot = Shots(page, "share-decision")
    first, token_a = _sent(seller_sam, "Accepting Corp")
    second, token_b = _sent(seller_sam, "Rejecting Corp")

    page.goto(f"{base}/q/{token_a}/")
    assert page.evaluate("document.referrerPolicy || ''") in ("", "same-origin")
    page.fill("#accept_name", "Ada Lovelace")
    shot("accept-filled")
    page.click("button:has-text('Accept this quote')")
    page.wait_for_selector(".decision-record")
    record = page.inner_text(".decision-record")
    assert "Accepted by Ada Lovelace" in record and f"rev. {first.revision}" in record
    assert "Accepted" in page.inner_text("main") and "Your decision" not in page.content()
    shot("accepted")

    page.goto(f"{base}/q/{token_b}/")
    page.fill("#reject_name", "Grace Hopper")
    page.fill("#reject_reason", "Over budget this year")
    page.click("button:has-text('Reject')")
    page.wait_for_selector(".decision-record")
    assert "Rejected by Grace Hopper" in page.inner_text(".decision-record")
    shot("rejected")

    assert tab.console_errors == []  # no 403 (CSRF), no 5xx
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("accepted", "rejected")
    accepted = QuoteDecision.objects.get(quote=first)
    assert (accepted.name, accepted.revision, accepted.total, accepted.currency) == (
        "Ada Lovelace",
        first.revision,
        first.total,
        first.currency,
    )
    assert accepted.share_link.quote_id == first.pk
    assert QuoteDecision.objects.get(quote=second).reason == "Over budget this year"


def test_save_and_quote_from_the_wizard(tab, live_server, seller_sam):
    page, base = tab, live_server.url
    shot = Shots(page, "wizard-quote")
    log_in_by_cookie(page, base, seller_sam.username)
    page.goto(f"{base}/sizing/?kind=inference&model=llama-3.1-8b&users=50&gpu=l40s-48gb")
    page.wait_for_selector("#result .status")
    page.wait_for_function("document.querySelectorAll('.htmx-request').length === 0")
    page.fill("#id_save_name", "Chat for ACME")
    page.click("#save-box button:has-text('Save and quote')")
    page.wait_for_url(re.compile(r"/quotes/new/from-workload/"))
    shot("quote-form")
    assert page.input_value("#id_scenario_name") == "Chat for ACME"
    page.fill("#id_customer_company", "ACME Corp")
    page.fill("#id_customer_contact", "Wile E. Coyote")
    page.fill("#id_customer_email", "wile@acme.test")
    book = page.eval_on_selector(
        "#id_price_book", "s => [...s.options].find(o => o.text.includes('SAMPLE-USD')).value"
    )
    page.select_option("#id_price_book", book)
    page.click("button:has-text('Create draft quote')")
    page.wait_for_url(re.compile(r"/quotes/\d+/$"))
    shot("quote-created", full_page=True)
    assert tab.console_errors == []
    quote = Quote.objects.get(customer_company="ACME Corp")
    assert page.url.endswith(f"/quotes/{quote.pk}/")
    assert quote.scenario.name == "Chat for ACME" and quote.status == "draft"
    assert quote.lines.count() > 0 and quote.total > 0
    assert Scenario.objects.filter(name="Chat for ACME").count() == 1
    assert quote.sizing_inputs == quote.scenario.inputs


def test_the_seller_asks_a_sales_manager_who_finds_it_clicks_approve_and_the_seller_sends(
    tab, live_server, seller_sam, settings, tasks_to_broker
):
    settings.QUOTES_DISCOUNT_LIMITS = {"sales": "15", "manager": "30"}
    page, base = tab, live_server.url
    shot = Shots(page, "discount-approval")
    accounts.make_user("mia", seller_sam.organization, Role.MANAGER)
    quote = factories.make_quote(seller_sam, customer_company="Deep Discount Ltd")
    quote = services.quote_update(user=seller_sam, quote=quote, data={"discount_percent": "20"})

    log_in(page, base, "sam")
    page.goto(f"{base}/quotes/{quote.pk}/")
    assert "Needs a sales manager's approval" in page.inner_text("#discount-approval")
    page.click("button:has-text('Send to customer')")
    page.wait_for_selector(".errorlist")
    assert "above your limit (15 %)" in page.inner_text(".errorlist")
    shot("send-refused")
    tab.console_errors.clear()  # the refusal above is a 409, by design
    page.fill("#approval-request-note", "Three-year renewal")
    page.click("button:has-text('Ask a sales manager to approve')")
    page.wait_for_selector("#approval-requested")
    assert "Approval requested by sam" in page.inner_text("#approval-requested")
    shot("approval-requested")

    page.context.clear_cookies()
    log_in(page, base, "mia")
    page.goto(f"{base}/quotes/")
    page.click("#awaiting-approval a:has-text('1 quote awaits your discount approval')")
    page.wait_for_selector("#quote-table td:has-text('awaiting discount approval')")
    assert page.locator("#id_scope").input_value() == "awaiting"
    shot("awaiting-list")
    page.click(f"#quote-table a:has-text('{quote.number}')")
    page.wait_for_selector("#discount-approval")
    assert "Three-year renewal" in page.inner_text("#approval-requested")
    page.fill("#approval-note", "Strategic account")
    page.click("button:has-text('Approve discount')")
    page.wait_for_selector("#discount-approval strong:has-text('Approved')")
    assert "Approved by mia" in page.inner_text("#discount-approval")
    shot("approved")
    page.goto(f"{base}/quotes/")
    assert page.locator("#awaiting-approval").count() == 0  # nothing waits any more

    page.context.clear_cookies()
    log_in(page, base, "sam")
    page.goto(f"{base}/quotes/{quote.pk}/")
    page.click("button:has-text('Send to customer')")
    page.wait_for_selector("text=/q/")
    shot("sent")
    assert tab.console_errors == []
    quote.refresh_from_db()
    assert quote.status == "sent" and quote.discount_approval.note == "Strategic account"
    # The click's request handed the document to the worker, as in production (the broker,
    # tasks not eager), instead of rendering it while the seller waits.
    job = PdfJob.objects.get(quote=quote)
    assert job.status == "queued" and job.enqueued_at is not None and job.attempts == 0
    assert tasks_to_broker("pdf") == 1
