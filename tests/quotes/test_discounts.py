"""Discount policy: a sender's limit per role and organization (rows, else the setting), a
seller's sales manager approves or refuses above it, the approval covers the revision at that
total only, and it is recorded in the history, the audit log and the PDF."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from apps.accounts.choices import Role
from apps.accounts.models import role_errors
from apps.core.exceptions import ApplicationError
from apps.ops.models import AuditEvent
from apps.quotes import selectors, services
from apps.quotes.models import DiscountLimit

from . import factories
from .pdftext import squash

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_render():
    with mock.patch("apps.quotes.services.pdf_jobs._enqueue"):
        yield


@pytest.fixture
def manager(seller):
    return factories.make_user(seller, role=Role.MANAGER, username="mia")


def _messages(exc: ApplicationError) -> str:
    return " ".join(m for ms in exc.field_errors.values() for m in ms) or exc.message


def _discounted(user, percent: str):
    quote = factories.make_quote(user)
    return services.quote_update(user=user, quote=quote, data={"discount_percent": percent})


def test_limits_come_from_organization_rows_then_default_rows_then_the_setting(
    settings, partner_user, partner_org
) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"partner": "10"}
    assert services.discount_limit(partner_user) == Decimal("10")
    DiscountLimit.objects.create(role=Role.PARTNER, max_percent=Decimal("12"))
    assert services.discount_limit(partner_user) == Decimal("12.00")
    DiscountLimit.objects.create(
        organization=partner_org, role=Role.PARTNER, max_percent=Decimal("7.5")
    )
    assert services.discount_limit(partner_user) == Decimal("7.50")
    other = factories.make_user(factories.make_org("partner"))
    assert services.discount_limit(other) == Decimal("12.00")


def test_effective_discount_counts_line_and_overall_discounts(book, sales_user, media_root):
    quote = factories.make_quote(sales_user)
    line = quote.lines.filter(unit_price__isnull=False).order_by("-unit_price").first()
    quote = services.quote_update(
        user=sales_user,
        quote=quote,
        data={"discount_percent": "10"},
        line_discounts={line.pk: "50"},
    )
    list_total = sum(li.quantity * li.unit_price for li in quote.lines.all() if li.unit_price)
    expected = (list_total - quote.total) * 100 / list_total
    assert services.effective_discount(quote) == expected.quantize(Decimal("0.01"))
    assert services.effective_discount(quote) > Decimal("10")


def test_over_limit_is_refused_until_a_manager_approves(
    settings, book, partner_user, manager, media_root, no_render
) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"partner": "10", "manager": "30"}
    quote = _discounted(partner_user, "25")
    with pytest.raises(services.ApprovalRequired) as refused:
        services.quote_send(user=partner_user, quote=quote)
    message = _messages(refused.value)
    assert "(25.00 %) is above your limit (10 %)" in message and "sales manager" in message
    quote.refresh_from_db()
    assert quote.status == "draft"

    approval = services.quote_discount_approve(user=manager, quote=quote, note="strategic")
    assert (approval.discount_percent, approval.total) == (Decimal("25.00"), quote.total)
    assert approval.limit_percent == Decimal("10")
    sent, token = services.quote_send(user=partner_user, quote=quote)
    assert sent.status == "sent" and token
    notes = [c.note for c in sent.status_changes.order_by("changed_at", "id")]
    assert any(f"discount 25.00 % approved at total {quote.total}" in n for n in notes)
    event = AuditEvent.objects.get(action="quote.discount_approved")
    assert event.actor == manager and event.details["discount_percent"] == "25.00"


def test_within_the_limit_needs_no_approval(
    settings, book, partner_user, media_root, no_render
) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"partner": "10"}
    sent, _ = services.quote_send(user=partner_user, quote=_discounted(partner_user, "10"))
    assert sent.status == "sent"


def test_an_approval_covers_only_the_total_it_was_given_for(
    settings, book, sales_user, manager, media_root, no_render
) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"sales": "15"}
    quote = _discounted(sales_user, "20")
    services.quote_discount_approve(user=manager, quote=quote)
    quote = services.quote_update(user=sales_user, quote=quote, data={"discount_percent": "40"})
    assert quote.discount_approval is None
    with pytest.raises(services.ApprovalRequired):
        services.quote_send(user=sales_user, quote=quote)


def test_a_refusal_is_recorded_and_named_when_sending(
    settings, book, sales_user, manager, media_root, no_render
) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"sales": "15"}
    quote = _discounted(sales_user, "60")
    services.quote_discount_refuse(user=manager, quote=quote, note="too deep")
    with pytest.raises(services.ApprovalRequired) as refused:
        services.quote_send(user=sales_user, quote=quote)
    assert "It was refused by mia: too deep." in _messages(refused.value)
    assert AuditEvent.objects.filter(action="quote.discount_refused").count() == 1
    assert quote.status_changes.filter(note__contains="60.00 % refused").exists()


@pytest.mark.parametrize("role", [Role.SALES, Role.ADMIN])
def test_only_a_sellers_sales_manager_decides(
    role, book, seller, partner_user, partner_org, media_root
) -> None:
    quote = _discounted(partner_user, "50")
    deciders = [factories.make_user(seller, role=role), partner_user]
    for user in deciders:
        with pytest.raises(ApplicationError) as exc:
            services.quote_discount_approve(user=user, quote=quote)
        assert "Only a seller's sales manager approves discounts." in _messages(exc.value)
    assert role_errors(Role.MANAGER, partner_org, is_superuser=False) == {
        "role": "The sales manager role is only for users of the seller organization."
    }


def test_a_sent_quotes_discount_is_not_decided_again(
    book, sales_user, manager, media_root, no_render
) -> None:
    sent, _ = services.quote_send(user=sales_user, quote=factories.make_quote(sales_user))
    with pytest.raises(ApplicationError) as exc:
        services.quote_discount_approve(user=manager, quote=sent)
    assert "Only a draft's discount" in _messages(exc.value)


def test_the_pdf_names_who_approved_the_discount(accepted_document) -> None:
    # A partner's 25 % discount (limit 10 %) approved by Mia Manager, then sent and accepted
    # (tests/quotes/conftest.py: the document test_pdf_document's acceptance tests read).
    assert squash("Discount 25 % approved by Mia Manager") in accepted_document.text


def test_portal_refuses_send_until_the_manager_clicks_approve(
    settings, client, book, partner_user, manager, media_root, no_render
) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"partner": "10", "manager": "30"}
    quote = _discounted(partner_user, "25")
    detail = reverse("quotes:detail", args=[quote.pk])
    client.force_login(partner_user)
    page = client.get(detail).content.decode()
    assert "Needs a sales manager's approval before it is sent." in page
    assert "Approve discount" not in page
    refused = client.post(reverse("quotes:send", args=[quote.pk]))
    assert refused.status_code == 409
    assert "is above your limit (10 %)" in refused.content.decode()

    client.force_login(manager)  # a seller's manager sees the partner's quote
    assert "Approve discount" in client.get(detail).content.decode()
    approve = reverse("quotes:discount_decide", args=[quote.pk, "approve"])
    assert client.post(approve, {"note": "ok"}).status_code == 302
    assert client.post(reverse("quotes:discount_decide", args=[quote.pk, "x"])).status_code == 404

    client.force_login(partner_user)
    assert "<strong>Approved</strong> by mia" in client.get(detail).content.decode()
    sent = client.post(reverse("quotes:send", args=[quote.pk]))
    assert sent.status_code == 200 and "/q/" in sent.content.decode()


def test_a_manager_does_not_approve_their_own_quote(settings, book, manager, seller, media_root):
    settings.QUOTES_DISCOUNT_LIMITS = {"manager": "30"}
    quote = _discounted(manager, "45")
    with pytest.raises(ApplicationError) as exc:
        services.quote_discount_approve(user=manager, quote=quote)
    assert "another sales manager" in _messages(exc.value)
    colleague = factories.make_user(seller, role=Role.MANAGER)
    services.quote_discount_approve(user=colleague, quote=quote)
    assert quote.discount_approval.decided_by == colleague


# --- the sender asks for the approval; the managers see what waits for them ---------------


def _with_email(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


def test_a_request_lists_the_draft_for_the_managers_and_emails_them(
    settings,
    book,
    partner_user,
    manager,
    seller,
    mailoutbox,
    no_render,
    django_capture_on_commit_callbacks,
) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"partner": "10", "manager": "30"}
    _with_email(manager, "mia@seller.example")
    _with_email(partner_user, "pat@partner.example")
    other_manager = _with_email(
        factories.make_user(seller, role=Role.MANAGER, username="max"), "max@seller.example"
    )
    colleague = factories.make_user(seller)  # a salesperson: approves nothing
    quote = _discounted(partner_user, "25")
    assert selectors.quote_rows(manager, awaiting_approval=True).count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        services.quote_discount_request(
            user=partner_user, quote=quote, note="Three-year deal", link_base="https://p.example/"
        )
    quote.refresh_from_db()
    assert quote.approval_requested_by == partner_user
    assert quote.approval_request_note == "Three-year deal"
    for m in (manager, other_manager):
        assert list(selectors.quote_rows(m, awaiting_approval=True)) == [quote]
        assert selectors.awaiting_approval_count(m) == 1
    for nobody in (partner_user, colleague):
        assert selectors.quote_rows(nobody, awaiting_approval=True).count() == 0
        assert selectors.awaiting_approval_count(nobody) == 0

    [message] = mailoutbox
    assert sorted(message.to) == ["max@seller.example", "mia@seller.example"]
    assert message.reply_to == ["pat@partner.example"]
    assert f"quote {quote.number} rev. A" in message.subject
    assert "25.00 %" in message.body and "Three-year deal" in message.body
    assert f"https://p.example/quotes/{quote.pk}/" in message.body
    assert quote.status_changes.filter(note__startswith="approval of discount 25.00 %").exists()
    assert AuditEvent.objects.filter(
        action="quote.discount_approval_requested", object_id=str(quote.pk)
    ).exists()

    with django_capture_on_commit_callbacks(execute=True):  # a second click: nothing new
        services.quote_discount_request(user=partner_user, quote=quote)
    assert len(mailoutbox) == 1
    assert quote.status_changes.filter(note__startswith="approval of discount").count() == 1


def test_the_decision_answers_the_request(settings, book, partner_user, manager, no_render) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"partner": "10", "manager": "30"}
    refused = _discounted(partner_user, "25")
    approved = _discounted(partner_user, "20")
    for quote in (refused, approved):
        services.quote_discount_request(user=partner_user, quote=quote)
    services.quote_discount_refuse(user=manager, quote=refused, note="too deep")
    services.quote_discount_approve(user=manager, quote=approved)
    assert selectors.quote_rows(manager, awaiting_approval=True).count() == 0
    refused.refresh_from_db()
    assert refused.approval_requested_at is None and refused.approval_request_note == ""
    # after a refusal the sender may lower the discount, or ask again
    services.quote_discount_request(user=partner_user, quote=refused, note="please reconsider")
    assert list(selectors.quote_rows(manager, awaiting_approval=True)) == [refused]


def test_a_request_is_refused_when_no_approval_is_needed_or_one_covers_it(
    settings, book, partner_user, manager, no_render
) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"partner": "10", "manager": "30"}
    within = _discounted(partner_user, "5")
    with pytest.raises(ApplicationError) as exc:
        services.quote_discount_request(user=partner_user, quote=within)
    assert list(exc.value.field_errors) == ["discount_percent"]
    assert "(5.00 %) is within the sender's limit (10 %)" in _messages(exc.value)

    covered = _discounted(partner_user, "25")
    services.quote_discount_approve(user=manager, quote=covered)
    with pytest.raises(ApplicationError) as exc:
        services.quote_discount_request(user=partner_user, quote=covered)
    assert "already approved at this total" in _messages(exc.value)

    sent, _ = services.quote_send(user=partner_user, quote=covered)
    with pytest.raises(ApplicationError) as exc:
        services.quote_discount_request(user=partner_user, quote=sent)
    assert "Only a draft" in _messages(exc.value)
    covered.refresh_from_db()
    assert covered.approval_requested_at is None  # nothing saved by a refused request


def test_a_new_revision_does_not_inherit_a_request(
    settings, book, sales_user, manager, no_render
) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"sales": "10", "manager": "30"}
    quote = _discounted(sales_user, "25")
    services.quote_discount_request(user=sales_user, quote=quote)
    services.quote_update(user=sales_user, quote=quote, data={"discount_percent": "5"})
    sent, _ = services.quote_send(user=sales_user, quote=quote)  # within the limit now
    assert selectors.quote_rows(manager, awaiting_approval=True).count() == 0  # not a draft
    revision = services.quote_revise(user=sales_user, quote=sent)
    assert revision.approval_requested_at is None and revision.approval_requested_by is None
    assert selectors.quote_rows(manager, awaiting_approval=True).count() == 0


def test_portal_seller_asks_and_the_manager_finds_it_in_the_list(
    settings, client, book, partner_user, manager, no_render
) -> None:
    settings.QUOTES_DISCOUNT_LIMITS = {"partner": "10", "manager": "30"}
    quote = _discounted(partner_user, "25")
    detail = reverse("quotes:detail", args=[quote.pk])
    client.force_login(partner_user)
    assert "Ask a sales manager to approve" in client.get(detail).content.decode()
    asked = client.post(reverse("quotes:discount_request", args=[quote.pk]), {"note": "renewal"})
    assert asked.status_code == 302
    page = client.get(detail).content.decode()
    assert "Approval requested by pat" in page and "renewal" in page
    assert "Ask a sales manager to approve" not in page
    within = _discounted(partner_user, "5")
    refused = client.post(reverse("quotes:discount_request", args=[within.pk]))
    assert refused.status_code == 409
    assert "is within the sender&#x27;s limit" in refused.content.decode()

    client.force_login(manager)
    listing = client.get(reverse("quotes:list")).content.decode()
    assert "1 quote awaits your discount approval" in listing
    awaiting = client.get(reverse("quotes:list"), {"scope": "awaiting"}).content.decode()
    assert quote.number in awaiting and within.number not in awaiting
    assert "awaiting discount approval" in awaiting
    client.force_login(partner_user)  # a partner has no such scope: the filter says so
    page = client.get(reverse("quotes:list"), {"scope": "awaiting"}).content.decode()
    assert "Select a valid choice" in page
