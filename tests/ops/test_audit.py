"""The audit log: sign-ins, API tokens, quote decisions and revisions, price book changes —
who, what, when, which object, from where; read-only for admins."""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction

from apps.accounts import services as account_services
from apps.catalog.models import Price, PriceBook
from apps.catalog.services import price_list_import
from apps.ops.models import AuditEvent
from apps.ops.services import audit_record
from apps.quotes import services as quote_services
from tests.quotes import factories

PASSWORD = "pw-for-tests-only"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_login_success_and_failure(client, sales_user):
    client.post(
        "/accounts/login/", {"username": "olga", "password": "nope"}, REMOTE_ADDR="192.0.2.7"
    )
    client.post(
        "/accounts/login/",
        {"username": "olga", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.7",
        HTTP_X_REQUEST_ID="login-req-1",
    )
    [failed] = events("auth.login_failed")
    assert (failed.actor, failed.actor_label, failed.ip) == (None, "olga", "192.0.2.7")
    assert failed.details == {"username": "olga"}
    [ok] = events("auth.login")
    assert (ok.actor, ok.actor_label, ok.ip, ok.request_id) == (
        sales_user,
        "olga",
        "192.0.2.7",
        "login-req-1",
    )
    assert (ok.object_type, ok.object_id) == ("accounts.user", str(sales_user.pk))


def test_api_token_created_and_revoked_through_the_pages(client, sales_user):
    client.force_login(sales_user)
    response = client.post(
        "/accounts/tokens/",
        {"name": "ci", "scope": "read", "expires_in_days": "30"},
        REMOTE_ADDR="192.0.2.8",
    )
    assert response.status_code == 200
    [created] = events("api_token.created")
    token = sales_user.api_tokens.get()
    assert (created.actor, created.object_type, created.object_id, created.ip) == (
        sales_user,
        "accounts.apitoken",
        str(token.pk),
        "192.0.2.8",
    )
    assert created.details["scope"] == "read" and created.details["prefix"] == token.prefix
    assert token.prefix in created.object_repr and "szp_" in created.object_repr
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    client.post(f"/accounts/tokens/{token.pk}/revoke/")  # idempotent: one event
    [revoked] = events("api_token.revoked")
    assert revoked.actor == sales_user and revoked.object_id == str(token.pk)


def test_api_token_service_outside_a_request(sales_user):
    row, _ = account_services.api_token_create(
        user=sales_user, name="cli", scope="read_write", expires_in_days=7
    )
    account_services.api_token_revoke(token=row)
    assert [e.actor_label for e in events("api_token.created")] == ["olga"]
    assert [e.actor_label for e in events("api_token.revoked")] == ["system"]


@pytest.fixture
def sent(book, sales_user, media_root, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    quote = factories.make_quote(sales_user)
    quote, token = quote_services.quote_send(user=sales_user, quote=quote)
    return quote, token


def test_quote_sent(sent, sales_user):
    quote, _ = sent
    [event] = events("quote.sent")
    assert (event.actor, event.object_type, event.object_id) == (
        sales_user,
        "quotes.quote",
        str(quote.pk),
    )
    assert event.details == {"total": str(quote.total)}


def test_quote_accepted_through_the_share_link(client, sent):
    quote, token = sent
    response = client.post(
        f"/q/{token}/accept/", {"name": "Carla Customer"}, REMOTE_ADDR="198.51.100.4"
    )
    assert response.status_code in (200, 302)
    [event] = events("quote.accepted")
    assert event.actor is None
    assert event.actor_label == "customer Carla Customer via share link"
    assert (event.object_id, event.ip) == (str(quote.pk), "198.51.100.4")
    assert event.details["name"] == "Carla Customer"


def test_quote_rejected_and_revised(client, sent, sales_user):
    quote, token = sent
    client.post(f"/q/{token}/reject/", {"name": "", "reason": "too dear"})
    [rejected] = events("quote.rejected")
    assert rejected.details["reason"] == "too dear"
    quote.refresh_from_db()
    new = quote_services.quote_revise(user=sales_user, quote=quote)
    [revised] = events("quote.revised")
    assert (revised.actor, revised.object_id) == (sales_user, str(new.pk))
    assert revised.details == {"from": quote.reference}


def test_an_event_exists_only_if_its_change_committed(book, sales_user, media_root):
    quote = factories.make_quote(sales_user)
    with pytest.raises(RuntimeError), transaction.atomic():
        quote_services.quote_send(user=sales_user, quote=quote)
        raise RuntimeError("the caller's transaction fails after the service")
    assert events("quote.sent") == []


def test_price_book_saved_and_price_changed(book, admin_client):
    price = Price.objects.filter(book=book).select_related("part").first()
    response = admin_client.post(
        f"/admin/catalog/price/{price.pk}/change/",
        {"book": book.pk, "part": price.part_id, "unit_price": "123.45"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = events("pricebook.price_changed")
    assert event.actor_label == "admin"
    assert event.details == {
        "change": "changed",
        "book": book.code,
        "part": str(price.part),
        "unit_price": "123.45",
    }
    book.name = "Renamed"
    book.save()
    assert events("pricebook.changed")[0].details["code"] == book.code
    PriceBook.objects.create(code="EUR-1", name="Euro", currency="EUR", valid_from=book.valid_from)
    assert events("pricebook.created")[0].object_repr == "EUR-1 (EUR)"


def test_price_list_import(book, tmp_path: Path):
    src = Path(factories.ROOT / "fixtures" / "catalog" / "prices" / f"{book.code}.csv")
    rows = list(csv.reader(src.open()))
    rows[1][1] = str(Decimal(rows[1][1]) + 1)
    path = tmp_path / "prices.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    before = AuditEvent.objects.filter(action="catalog.imported").count()
    price_list_import(book.code, path)
    assert AuditEvent.objects.filter(action="catalog.imported").count() == before + 1
    event = events("catalog.imported")[-1]
    assert event.actor_label == "system"
    assert event.details["price_books"] == [book.code]
    assert event.details["files"]["prices.csv"]["updated"] == 1


def test_events_are_append_only(db):
    event = audit_record("test.thing", details={"a": 1})
    event.action = "changed"
    with pytest.raises(ValueError):
        event.save()


def test_admins_read_the_log_but_cannot_change_it(admin_client, sales_user):
    event = audit_record("test.thing", actor=sales_user, details={"a": 1})
    changelist = admin_client.get("/admin/ops/auditevent/")
    assert changelist.status_code == 200 and "test.thing" in changelist.content.decode()
    detail = admin_client.get(f"/admin/ops/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert not re.search(r'name="_save"', detail.content.decode())
    assert admin_client.get("/admin/ops/auditevent/add/").status_code == 403
    assert admin_client.get(f"/admin/ops/auditevent/{event.pk}/delete/").status_code == 403
    assert (
        admin_client.post(f"/admin/ops/auditevent/{event.pk}/change/", {"action": "x"}).status_code
        == 403
    )
