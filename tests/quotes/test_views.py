"""Pages of the quotes app: tenant scoping, forms with field errors, lifecycle buttons, htmx
progress, and the customer's share link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.quotes import services
from apps.quotes.models import PdfJob, Quote, ShareLink

from . import factories

# The pages and downloads are the subject, not the document: its one-page version
# (tests/conftest.py); the document's content is tests/quotes/test_pdf*.py's.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_page_document")]


def _login(client, user):
    client.force_login(user)
    return client


def _token(response) -> str:
    match = re.search(r"/q/([A-Za-z0-9_-]{43})/", response.content.decode())
    assert match, "no share link on the page"
    return match.group(1)


def test_partner_sees_only_its_organizations_quotes(
    client, quote, partner_user, sales_user, media_root
) -> None:
    partner_scenario = factories.make_scenario(partner_user)
    own = factories.make_quote(
        partner_user, scenario=partner_scenario, customer_company="PartnerCo"
    )
    _login(client, partner_user)
    page = client.get(reverse("quotes:list")).content.decode()
    assert own.number in page and quote.number not in page
    assert client.get(reverse("quotes:detail", args=[quote.pk])).status_code == 404
    assert client.get(reverse("quotes:edit", args=[quote.pk])).status_code == 404
    assert client.post(reverse("quotes:send", args=[quote.pk])).status_code == 404
    assert client.get(reverse("quotes:pdf_status", args=[quote.pk])).status_code == 404
    scenario_url = reverse("quotes:create_from_scenario", args=[quote.scenario_id])
    assert client.get(scenario_url).status_code == 404


def test_list_filters_by_status_customer_and_mine(
    client, book, sales_user, seller, media_root, django_assert_max_num_queries
) -> None:
    colleague = factories.make_user(seller)
    a = factories.make_quote(sales_user, customer_company="Alpha AG")
    b = factories.make_quote(colleague, customer_company="Beta BV")
    services.quote_send(user=colleague, quote=b)
    _login(client, sales_user)
    url = reverse("quotes:list")
    with django_assert_max_num_queries(6):
        page = client.get(url).content.decode()
    assert a.number in page and b.number in page and "SAMPLE prices" in page
    page = client.get(url, {"status": "sent"}).content.decode()
    assert b.number in page and a.number not in page
    page = client.get(url, {"customer": "alpha"}).content.decode()
    assert a.number in page and b.number not in page
    page = client.get(url, {"scope": "mine"}).content.decode()
    assert a.number in page and b.number not in page
    partial = client.get(url, {"status": "draft"}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and a.number.encode() in partial.content
    assert client.get(url, {"status": "bogus"}).status_code == 200


def test_create_from_scenario_shows_field_errors_and_creates(client, book, sales_user) -> None:
    scenario = factories.make_scenario(sales_user)
    _login(client, sales_user)
    url = reverse("quotes:create_from_scenario", args=[scenario.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"SAMPLE-USD" in page.content
    bad = client.post(
        url,
        {
            "customer_company": "",
            "customer_contact": "x",
            "customer_email": "not-an-email",
            "price_book": book.pk,
            "valid_until": (timezone.localdate() - timedelta(days=2)).isoformat(),
            "discount_percent": "150",
            "terms": "t",
        },
    )
    assert bad.status_code == 200
    errors = bad.context["form"].errors
    assert {"customer_company", "customer_email", "discount_percent", "valid_until"} <= set(errors)
    assert Quote.objects.count() == 0
    garbage = client.post(
        url, {"price_book": "abc", "valid_until": "31/31/2020", "discount_percent": "NaN"}
    )
    assert garbage.status_code == 200 and Quote.objects.count() == 0
    ok = client.post(
        url,
        {
            "customer_company": "Acme",
            "customer_contact": "Ada",
            "customer_email": "ada@example.com",
            "price_book": book.pk,
            "valid_until": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "discount_percent": "2.5",
            "terms": "Net 30",
            "notes": "",
        },
    )
    quote = Quote.objects.get()
    assert ok.status_code == 302 and ok["Location"] == reverse("quotes:detail", args=[quote.pk])
    assert quote.discount_percent.as_tuple() and str(quote.discount_percent) == "2.50"
    detail = client.get(ok["Location"]).content.decode()
    assert quote.number in detail and "SAMPLE price book" in detail


def test_edit_is_for_drafts_only_and_send_shows_the_link_once(
    client, quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    _login(client, sales_user)
    edit = reverse("quotes:edit", args=[quote.pk])
    line = quote.lines.first()
    form = client.get(edit).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "price_book": quote.price_book_id,
            "valid_until": quote.valid_until.isoformat(),
            f"line_{line.pk}": "150",
            "discount_percent": "0",
        }
    )
    bad = client.post(edit, data)
    assert bad.status_code == 200 and f"line_{line.pk}" in bad.context["form"].errors
    data[f"line_{line.pk}"] = "10"
    assert client.post(edit, data).status_code == 302
    line.refresh_from_db()
    assert str(line.discount_percent) == "10.00"
    with django_capture_on_commit_callbacks(execute=False):  # the PDF is not the subject
        sent = client.post(reverse("quotes:send", args=[quote.pk]))
    assert sent.status_code == 200 and sent["Cache-Control"] == "no-store"
    token = _token(sent)
    assert not ShareLink.objects.filter(token_hash=token).exists()
    assert client.get(edit).status_code == 302  # sent: not editable any more
    again = client.post(reverse("quotes:send", args=[quote.pk]))
    assert again.status_code == 409 and b"This quote is sent" in again.content
    assert token not in client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()


def test_revise_makes_revision_b(
    client, quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    _login(client, sales_user)
    with django_capture_on_commit_callbacks(execute=False):  # the PDF is not the subject
        client.post(reverse("quotes:send", args=[quote.pk]))
    response = client.post(reverse("quotes:revise", args=[quote.pk]))
    b = Quote.objects.get(revision="B")
    assert response["Location"] == reverse("quotes:edit", args=[b.pk])
    detail = client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert "earlier revision" in detail and "rev. B" in detail
    assert client.post(reverse("quotes:revise", args=[quote.pk])).status_code == 409


def test_pdf_progress_partial_polls_until_ready(
    client, quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    _login(client, sales_user)
    with django_capture_on_commit_callbacks(execute=False):
        services.quote_send(user=sales_user, quote=quote)
    status_url = reverse("quotes:pdf_status", args=[quote.pk])
    pending = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in pending and "queued" in pending
    assert client.get(reverse("quotes:pdf_download", args=[quote.pk])).status_code == 404
    services.pdf_job_run(quote.pdf_job.pk)
    ready = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in ready and "Download PDF" in ready
    download = client.get(reverse("quotes:pdf_download", args=[quote.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    again = client.post(
        reverse("quotes:pdf_request", args=[quote.pk]), headers={"HX-Request": "true"}
    )
    assert again.status_code == 200 and "Download PDF" in again.content.decode()
    assert PdfJob.objects.count() == 1


def test_failed_job_shows_its_reason(
    client, quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    _login(client, sales_user)
    with django_capture_on_commit_callbacks(execute=False):
        services.quote_send(user=sales_user, quote=quote)
    PdfJob.objects.update(status="failed", error="gave up after 3 attempts: boom", attempts=3)
    page = client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert "gave up after 3 attempts: boom" in page and "Try again" in page


def _share(client, quote, user, capture, *, render: bool = False):
    """Send the quote and return its customer link; the PDF is rendered only if `render`
    (only the tests whose subject is the document pay for a real render)."""
    _login(client, user)
    with capture(execute=render):
        token = _token(client.post(reverse("quotes:send", args=[quote.pk])))
    client.logout()
    return token


def _assert_share_headers(response) -> None:
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"


def test_customer_link_summary_download_and_accept(
    client, quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    token = _share(client, quote, sales_user, django_capture_on_commit_callbacks, render=True)
    page = client.get(f"/q/{token}/")
    _assert_share_headers(page)
    body = page.content.decode()
    assert page.status_code == 200 and quote.number in body and "SAMPLE price book" in body
    pdf = client.get(f"/q/{token}/pdf/")
    _assert_share_headers(pdf)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    empty = client.post(f"/q/{token}/accept/", {"name": "  "})
    _assert_share_headers(empty)
    assert empty.status_code == 400 and "name" in empty.context["accept_form"].errors
    accepted = client.post(f"/q/{token}/accept/", {"name": "Ada Lovelace"})
    _assert_share_headers(accepted)
    assert accepted.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "accepted" and quote.accepted_by_name == "Ada Lovelace"
    assert "Accepted by Ada Lovelace" in client.get(f"/q/{token}/").content.decode()
    late = client.post(f"/q/{token}/reject/", {"reason": "changed my mind"})
    assert late.status_code == 400
    quote.refresh_from_db()
    assert quote.status == "accepted"


def test_customer_link_reject(
    client, quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    token = _share(client, quote, sales_user, django_capture_on_commit_callbacks)
    assert client.post(f"/q/{token}/reject/", {"reason": "budget"}).status_code == 302
    quote.refresh_from_db()
    assert quote.status == "rejected" and quote.decision_reason == "budget"


def test_unknown_expired_and_revoked_links_answer_404(
    client, quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    token = _share(client, quote, sales_user, django_capture_on_commit_callbacks)
    for bad in ["x" * 43, token[:-1], "short", token + "A"]:
        response = client.get(f"/q/{bad}/")
        assert response.status_code == 404
        _assert_share_headers(response)
    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/q/{token}/").status_code == 404
    assert client.get(f"/q/{token}/pdf/").status_code == 404
    assert client.post(f"/q/{token}/accept/", {"name": "Ada"}).status_code == 404
    ShareLink.objects.update(expires_at=timezone.now() + timedelta(days=1))
    assert client.get(f"/q/{token}/").status_code == 200
    _login(client, sales_user)
    link = ShareLink.objects.get()
    client.post(reverse("quotes:link_revoke", args=[quote.pk, link.pk]))
    client.logout()
    assert client.get(f"/q/{token}/").status_code == 404
    quote.refresh_from_db()
    assert quote.status == "sent"


def test_link_reaches_its_revision_only(
    client, quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    token = _share(client, quote, sales_user, django_capture_on_commit_callbacks)
    other = factories.make_quote(sales_user, customer_company="Other Co")
    page = client.get(f"/q/{token}/").content.decode()
    assert quote.number in page and other.number not in page and "Other Co" not in page
    assert client.get(f"/q/{token}/../quotes/{other.pk}/").status_code in (302, 404)


def test_the_one_valid_price_book_is_preselected(client, book, sales_user) -> None:
    scenario = factories.make_scenario(sales_user)
    _login(client, sales_user)
    page = client.get(reverse("quotes:create_from_scenario", args=[scenario.pk]))
    form = page.context["form"]
    assert form["price_book"].value() == book.pk
    assert f'<option value="{book.pk}" selected>' in page.content.decode()
