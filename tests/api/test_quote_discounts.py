"""The discount policy through the API: sending above the caller's limit answers 409
`approval_required` until a seller's sales manager approves (same service as the portal)."""

from __future__ import annotations

from unittest import mock

import pytest

from apps.accounts.choices import OrganizationKind, Role
from apps.quotes import services
from tests.accounts.factories import make_org

from .helpers import error_of, make_quote, persona


@pytest.fixture(autouse=True)
def _documents(media_root, settings):
    settings.QUOTES_DISCOUNT_LIMITS = {"partner": "10", "manager": "30"}
    with mock.patch("apps.quotes.services.pdf_jobs._enqueue"):
        yield


@pytest.fixture
def mia(orgs):
    return persona("mia", make_org("Seller API", OrganizationKind.SELLER), Role.MANAGER)


def _over_limit_draft(alice) -> int:
    quote = make_quote(alice.user)
    services.quote_update(user=alice.user, quote=quote, data={"discount_percent": "25"})
    response = alice.client.get(f"/api/v1/quotes/{quote.pk}/")
    assert response.json()["effective_discount_percent"] == "25.00"
    assert response.json()["discount_approval"] is None
    return quote.pk


def test_over_limit_send_is_refused_until_approved(alice, mia):
    pk = _over_limit_draft(alice)
    refused = alice.client.post(f"/api/v1/quotes/{pk}/send/")
    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "approval_required"
    assert "above your limit (10 %)" in error["fields"]["discount_percent"][0]

    approved = mia.client.post(f"/api/v1/quotes/{pk}/discount/approve/", {"note": "deal"})
    assert approved.status_code == 200, approved.content
    approval = approved.json()["discount_approval"]
    assert approval["approved_by"] == "mia" and approval["discount_percent"] == "25.00"
    assert approval["note"] == "deal"

    sent = alice.client.post(f"/api/v1/quotes/{pk}/send/")
    assert sent.status_code == 200
    assert sent.json()["quote"]["status"] == "sent"
    assert sent.json()["quote"]["discount_approval"]["approved_by"] == "mia"


def test_a_refusal_keeps_it_unsendable(alice, mia):
    pk = _over_limit_draft(alice)
    refused = mia.client.post(f"/api/v1/quotes/{pk}/discount/refuse/", {"note": "no"})
    assert refused.status_code == 200 and refused.json()["discount_approval"] is None
    send = alice.client.post(f"/api/v1/quotes/{pk}/send/")
    assert send.status_code == 409
    assert "It was refused by mia: no." in error_of(send)["fields"]["discount_percent"][0]


def test_a_partner_cannot_approve_its_own_discount(alice):
    pk = _over_limit_draft(alice)
    response = alice.client.post(f"/api/v1/quotes/{pk}/discount/approve/", {})
    assert response.status_code == 409
    assert "sales manager" in error_of(response)["fields"]["__all__"][0]


def test_another_partner_cannot_see_the_approval_endpoints(alice, carol):
    pk = _over_limit_draft(alice)
    response = carol.client.post(f"/api/v1/quotes/{pk}/discount/approve/", {})
    assert response.status_code == 404


def test_the_sender_asks_and_the_manager_lists_what_awaits_approval(alice, mia, carol):
    pk = _over_limit_draft(alice)
    assert mia.client.get("/api/v1/quotes/?awaiting_approval=true").json()["results"] == []

    asked = alice.client.post(f"/api/v1/quotes/{pk}/discount/request/", {"note": "renewal"})
    assert asked.status_code == 200, asked.content
    request = asked.json()["approval_request"]
    assert request["requested_by"] == "alice" and request["note"] == "renewal"
    assert request["requested_at"] == asked.json()["approval_requested_at"]

    [row] = mia.client.get("/api/v1/quotes/?awaiting_approval=true").json()["results"]
    assert row["id"] == pk and row["approval_requested_at"] is not None
    for nobody in (alice, carol):  # a partner approves nothing: an empty list, not an error
        assert nobody.client.get("/api/v1/quotes/?awaiting_approval=true").json()["results"] == []
    assert carol.client.post(f"/api/v1/quotes/{pk}/discount/request/", {}).status_code == 404

    approved = mia.client.post(f"/api/v1/quotes/{pk}/discount/approve/", {})
    assert approved.json()["approval_request"] is None
    assert mia.client.get("/api/v1/quotes/?awaiting_approval=true").json()["results"] == []
    again = alice.client.post(f"/api/v1/quotes/{pk}/discount/request/", {})
    assert again.status_code == 409
    assert "already approved at this total" in error_of(again)["fields"]["__all__"][0]
    bad = mia.client.get("/api/v1/quotes/?awaiting_approval=maybe")
    assert bad.status_code == 400 and "awaiting_approval" in bad.json()["error"]["fields"]
