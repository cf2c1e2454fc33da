"""Quotes through the API: create (from a scenario or a workload, idempotently), list,
retrieve, revise, send, and the PDF document (request, poll, download)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.quotes.models import Quote
from apps.sizing.models import Scenario

from .helpers import CUSTOMER, ONE_NODE_INFERENCE, error_of, make_quote, make_scenario


@pytest.fixture(autouse=True)
def _documents(media_root):
    return media_root


def test_quote_from_a_saved_scenario(alice):
    scenario = make_scenario(alice.user)
    response = alice.client.post(
        "/api/v1/quotes/", {"scenario": scenario.pk, **CUSTOMER, "discount_percent": "5.00"}
    )
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/v1/quotes/{body['id']}/"
    assert body["status"] == "draft" and body["revision"] == "A"
    assert body["scenario"] == scenario.pk and body["price_book"] == "SAMPLE-USD"
    assert body["is_sample"] is True and body["discount_percent"] == "5.00"
    assert len(body["lines"]) == len(scenario.result["bom"])
    quote = Quote.objects.get(pk=body["id"])
    assert body["total"] == str(quote.total) and body["pdf_status"] is None


def test_the_creation_answer_is_the_stored_quote(alice, django_assert_max_num_queries):
    """The 201 body is built from the lines as written (not read back: pricing._keep_lines);
    it is exactly what reading the quote answers, line for line, for a quote whose lines
    include a part to be confirmed and a discount."""
    scenario = make_scenario(alice.user)
    with django_assert_max_num_queries(22):  # with the lines read back three times: 25
        created = alice.client.post(
            "/api/v1/quotes/", {"scenario": scenario.pk, **CUSTOMER, "discount_percent": "7.50"}
        )
    assert created.status_code == 201
    stored = alice.client.get(f"/api/v1/quotes/{created.json()['id']}/").json()
    assert created.json() == stored
    assert [line["position"] for line in stored["lines"]] == list(
        range(1, len(scenario.result["bom"]) + 1)
    )


def test_line_answers_are_what_the_model_serializer_answers(alice):
    """QuoteLineSerializer's own to_representation (no per-field attribute walk) answers what
    DRF's ModelSerializer answers for every line: priced, discounted and to be confirmed."""
    from rest_framework import serializers

    from apps.api.serializers.quotes import QuoteLineSerializer
    from apps.quotes.models import QuoteLine

    workload = {  # the H100 NVL's part number is to be confirmed
        "kind": "inference",
        "model": "llama-3.1-8b",
        "gpu": "h100-nvl-94gb",
        "inference": {"concurrent_users": 10},
    }
    created = alice.client.post("/api/v1/quotes/", {"workload": workload, **CUSTOMER})
    assert created.status_code == 201, created.json()
    quote = Quote.objects.get(pk=created.json()["id"])
    first = quote.lines.filter(unit_price__isnull=False).first()
    QuoteLine.objects.filter(pk=first.pk).update(discount_percent=Decimal("12.5"))
    lines = list(quote.lines.all())
    assert any(line.unit_price is None for line in lines)
    generic = serializers.ModelSerializer.to_representation
    answered = QuoteLineSerializer(lines, many=True).data
    assert answered == [generic(QuoteLineSerializer(), line) for line in lines]
    assert answered[[x.pk for x in lines].index(first.pk)]["discount_percent"] == "12.50"


def test_quote_answers_are_what_the_model_serializer_answers(alice):
    """QuoteSerializer (the list) and QuoteDetailSerializer answer, through FlatRepresentation,
    what DRF's ModelSerializer answers: nulls, dotted sources (owner, price book), decimals,
    dates and datetimes, method fields and the nested lines and approval request."""
    from django.utils import timezone
    from rest_framework import serializers

    from apps.api.serializers.quotes import QuoteDetailSerializer, QuoteSerializer
    from apps.quotes import selectors

    first, second = make_quote(alice.user), make_quote(alice.user)
    Quote.objects.filter(pk=second.pk).update(
        sent_at=timezone.now(),
        approval_requested_at=timezone.now(),
        approval_request_note="please",
        discount_percent=Decimal("12.5"),
    )
    generic = serializers.ModelSerializer.to_representation
    rows = list(selectors.quote_rows(alice.user))
    assert len(rows) == 2
    assert QuoteSerializer(rows, many=True).data == [generic(QuoteSerializer(), q) for q in rows]
    for quote in (selectors.quote_get_for_user(alice.user, q.pk) for q in (first, second)):
        answered = QuoteDetailSerializer(quote).data
        assert answered == generic(QuoteDetailSerializer(), quote)
        assert answered["lines"] and answered["owner"] == alice.user.username
    assert answered["approval_request"]["note"] == "please"
    assert answered["discount_percent"] == "12.50" and answered["sent_at"]


def test_quote_straight_from_a_workload(alice):
    response = alice.client.post(
        "/api/v1/quotes/", {"workload": ONE_NODE_INFERENCE, "scenario_name": "Via API", **CUSTOMER}
    )
    assert response.status_code == 201
    scenario = Scenario.objects.get(pk=response.json()["scenario"])
    assert scenario.name == "Via API" and scenario.inputs == ONE_NODE_INFERENCE


def test_a_refused_workload_leaves_no_scenario(alice):
    response = alice.client.post(
        "/api/v1/quotes/", {"workload": {**ONE_NODE_INFERENCE, "gpu": "nope"}, **CUSTOMER}
    )
    assert response.status_code == 400
    assert any(k.startswith("workload.") for k in error_of(response)["fields"])
    assert not Scenario.objects.exists() and not Quote.objects.exists()


def test_a_refused_quote_leaves_no_scenario(alice):
    response = alice.client.post(
        "/api/v1/quotes/", {"workload": ONE_NODE_INFERENCE, **CUSTOMER, "valid_until": "2000-01-01"}
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["valid_until"]
    assert not Scenario.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "scenario"),
        ({"scenario": 1, "workload": ONE_NODE_INFERENCE}, "scenario"),
        ({"scenario": 2**70}, "scenario"),
        ({"workload": ONE_NODE_INFERENCE, "price_book": "NOPE"}, "price_book"),
        ({"workload": ONE_NODE_INFERENCE, "customer_email": "not-an-email"}, "customer_email"),
    ],
)
def test_quote_create_refusals(alice, body, field):
    response = alice.client.post("/api/v1/quotes/", {**CUSTOMER, **body})
    assert response.status_code == 400 and field in error_of(response)["fields"]


def test_another_partners_scenario_cannot_be_quoted(alice, carol):
    scenario = make_scenario(carol.user)
    response = alice.client.post("/api/v1/quotes/", {"scenario": scenario.pk, **CUSTOMER})
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"scenario": ["No such scenario in your organization."]}


def test_idempotency_key_replays_the_first_quote(alice):
    body = {"workload": ONE_NODE_INFERENCE, **CUSTOMER}
    key = {"Idempotency-Key": "order-42"}
    first = alice.client.post("/api/v1/quotes/", body, headers=key)
    again = alice.client.post("/api/v1/quotes/", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Quote.objects.count() == 1 and Scenario.objects.count() == 1


def test_idempotency_key_with_another_body_is_refused(alice):
    key = {"Idempotency-Key": "order-43"}
    assert (
        alice.client.post(
            "/api/v1/quotes/", {"workload": ONE_NODE_INFERENCE, **CUSTOMER}, headers=key
        ).status_code
        == 201
    )
    response = alice.client.post(
        "/api/v1/quotes/",
        {"workload": ONE_NODE_INFERENCE, **CUSTOMER, "notes": "changed"},
        headers=key,
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert Quote.objects.count() == 1


def test_idempotency_keys_belong_to_their_caller(alice, bob):
    key = {"Idempotency-Key": "same-key"}
    body = {"workload": ONE_NODE_INFERENCE, **CUSTOMER}
    a = alice.client.post("/api/v1/quotes/", body, headers=key)
    b = bob.client.post("/api/v1/quotes/", body, headers=key)
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_a_refused_request_does_not_burn_its_key(alice):
    key = {"Idempotency-Key": "retry-after-fix"}
    bad = alice.client.post(
        "/api/v1/quotes/",
        {"workload": ONE_NODE_INFERENCE, **CUSTOMER, "price_book": "NOPE"},
        headers=key,
    )
    assert bad.status_code == 400
    good = alice.client.post(
        "/api/v1/quotes/", {"workload": ONE_NODE_INFERENCE, **CUSTOMER}, headers=key
    )
    assert good.status_code == 201


def test_invalid_idempotency_key(alice):
    response = alice.client.post(
        "/api/v1/quotes/",
        {"workload": ONE_NODE_INFERENCE, **CUSTOMER},
        headers={"Idempotency-Key": "x" * 256},
    )
    assert response.status_code == 400 and "Idempotency-Key" in error_of(response)["fields"]


def test_list_filters_and_latest_revisions_only(alice, bob):
    draft = make_quote(alice.user)
    sent = make_quote(bob.user)
    from apps.quotes import services

    services.quote_send(user=bob.user, quote=sent)
    services.quote_revise(user=bob.user, quote=sent)
    listed = alice.client.get("/api/v1/quotes/").json()
    assert listed["count"] == 2  # revision A of the revised quote is not listed
    assert {q["revision"] for q in listed["results"]} == {"A", "B"}
    mine = alice.client.get("/api/v1/quotes/", mine="true").json()["results"]
    assert [q["id"] for q in mine] == [draft.pk]
    assert alice.client.get("/api/v1/quotes/", status="sent").json()["count"] == 0
    assert alice.client.get("/api/v1/quotes/", customer="acme").json()["count"] == 2
    response = alice.client.get("/api/v1/quotes/", status="bogus")
    assert response.status_code == 400 and "status" in error_of(response)["fields"]


def test_send_answers_the_customer_link_once(alice, django_capture_on_commit_callbacks):
    quote = make_quote(alice.user)
    with django_capture_on_commit_callbacks(execute=False):  # the PDF is not the subject
        response = alice.client.post(f"/api/v1/quotes/{quote.pk}/send/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["quote"]["status"] == "sent"
    assert body["share_url"].startswith("http://testserver/q/")
    from django.test import Client

    assert Client().get(body["share_url"].removeprefix("http://testserver")).status_code == 200
    again = alice.client.post(f"/api/v1/quotes/{quote.pk}/send/")
    assert again.status_code == 409 and error_of(again)["code"] == "conflict"


def test_revise(alice):
    quote = make_quote(alice.user)
    refused = alice.client.post(f"/api/v1/quotes/{quote.pk}/revise/")
    assert refused.status_code == 409
    from apps.quotes import services

    services.quote_send(user=alice.user, quote=quote)
    response = alice.client.post(f"/api/v1/quotes/{quote.pk}/revise/")
    assert response.status_code == 201
    assert response.json()["revision"] == "B" and response.json()["previous"] == quote.pk
    assert response.json()["number"] == quote.number and response.json()["status"] == "draft"


def test_pdf_request_poll_download(alice, django_capture_on_commit_callbacks, one_page_document):
    """The document's request, status and download through the API; the render is of the
    one-page template (`one_page_document`): the machinery is the subject, not the pages."""
    quote = make_quote(alice.user)
    assert alice.client.get(f"/api/v1/quotes/{quote.pk}/pdf/").status_code == 404
    refused = alice.client.post(f"/api/v1/quotes/{quote.pk}/pdf/")
    assert refused.status_code == 409  # a draft has no document
    from apps.quotes import services

    services.quote_send(user=alice.user, quote=quote)  # queues the job (not run: no commit)
    pending = alice.client.get(f"/api/v1/quotes/{quote.pk}/pdf/")
    assert pending.json()["status"] == "queued" and pending.json()["download_url"] is None
    not_ready = alice.client.get(f"/api/v1/quotes/{quote.pk}/pdf/download/")
    assert not_ready.status_code == 409 and error_of(not_ready)["code"] == "pdf_not_ready"
    from apps.quotes.models import PdfJob

    with django_capture_on_commit_callbacks(execute=True):
        PdfJob.objects.filter(quote=quote).update(status="failed")
        requested = alice.client.post(f"/api/v1/quotes/{quote.pk}/pdf/")  # failed: queued again
    assert requested.status_code == 202
    ready = alice.client.get(f"/api/v1/quotes/{quote.pk}/pdf/").json()
    assert ready["status"] == "ready" and ready["pages"] >= 1
    assert ready["download_url"] == f"http://testserver/api/v1/quotes/{quote.pk}/pdf/download/"
    pdf = alice.client.get(f"/api/v1/quotes/{quote.pk}/pdf/download/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    content = b"".join(pdf.streaming_content)
    assert content.startswith(b"%PDF") and len(content) == ready["file_size"]
    assert f"{quote.number}-A.pdf" in pdf["Content-Disposition"]


def test_sizing_and_quote_answers_carry_cost_designs_and_parts_to_be_confirmed(alice):
    """Issue 15 through the API: the sizing answer has the cost of ownership and the fabric
    designs with their differences; a quote's line without a sourced part number says
    `to_be_confirmed` with null prices, outside the total."""
    workload = {
        "kind": "inference",
        "model": "llama-3.1-8b",
        "gpu": "h100-nvl-94gb",
        "fabric": "infiniband",
        "inference": {"concurrent_users": 10},
        "tco": {"pue": 1.3},
    }
    sized = alice.client.post("/api/v1/sizing/?price_book=SAMPLE-USD", workload).json()
    assert sized["tco"]["inputs"]["pue"] == "1.3" and sized["tco"]["currency"] == "USD"
    assert sized["tco"]["tco_3y"] and sized["tco"]["per_million_tokens"]
    fat, rail = sized["fabric_designs"]
    assert rail["difference"]["switches"] == rail["switches"] - fat["switches"]
    created = alice.client.post("/api/v1/quotes/", {"workload": workload, **CUSTOMER})
    assert created.status_code == 201, created.json()
    lines = created.json()["lines"]
    (gpu,) = [line for line in lines if line["to_be_confirmed"]]
    assert gpu["unit_price"] is None and gpu["line_total"] is None
    priced = sum(Decimal(line["line_total"]) for line in lines if not line["to_be_confirmed"])
    assert Decimal(created.json()["subtotal"]) == priced
