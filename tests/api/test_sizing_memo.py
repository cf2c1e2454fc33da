"""POST /api/v1/sizing/ answers kept per process (apps/api/sizing_memo.py): a repeated workload
gets the same bytes without an engine run; any catalog or price change, another price book,
another workload or a refusal is sized afresh."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import orjson
import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.response import Response

from apps.api import sizing_memo
from apps.api.renderers import render_json
from apps.api.views.sizing import SizingApi
from apps.catalog.models import Price, PriceBook
from apps.catalog.selectors import price_book_current
from apps.sizing import gateway

from .helpers import ONE_NODE_INFERENCE, error_of


@pytest.fixture
def engine_runs(monkeypatch) -> list[dict]:
    """The workloads the gateway sized (the API's only way to the engine)."""
    runs: list[dict] = []
    real = gateway.size

    def counting(workload, **kwargs):
        runs.append(dict(workload))
        return real(workload, **kwargs)

    monkeypatch.setattr(gateway, "size", counting)
    return runs


def reordered(workload: dict) -> dict:
    """The same workload with its keys in reverse order (canonical form: the same key)."""
    return {k: reordered(v) if isinstance(v, dict) else v for k, v in reversed(workload.items())}


def test_a_repeated_workload_gets_the_same_bytes_without_an_engine_run(alice, engine_runs):
    first = alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE)
    again = alice.client.post("/api/v1/sizing/", reordered(ONE_NODE_INFERENCE))
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and len(engine_runs) == 1
    assert first["Server-Timing"].startswith("engine;dur=")
    assert again["Server-Timing"] == 'engine;dur=0;desc="answer kept"'
    assert again.json()["node_count"] == 1


def test_a_price_change_is_answered_at_the_new_price(alice, engine_runs):
    before = alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE).json()
    book = price_book_current()
    price = Price.objects.get(book__code=book.code, part__part_number="7D9RCTOLWW")
    price.unit_price += Decimal("1000.00")
    price.save()  # bumps the catalog revision
    after = alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE).json()
    assert len(engine_runs) == 2
    assert Decimal(after["tco"]["capex"]) == Decimal(before["tco"]["capex"]) + Decimal("1000.00")
    assert after == json.loads(render_json(gateway.size(ONE_NODE_INFERENCE).result))


def test_a_catalog_change_is_sized_again(alice, engine_runs):
    from apps.catalog.models import Gpu

    alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE)
    gpu = Gpu.objects.get(slug=ONE_NODE_INFERENCE["gpu"])
    gpu.save()  # any catalog write bumps the revision
    assert alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE).status_code == 200
    assert len(engine_runs) == 2


def test_another_price_book_or_workload_is_sized_afresh(alice, engine_runs):
    current = price_book_current()
    older = PriceBook.objects.create(
        code="OLDER-EUR",
        name="Older euro",
        currency="EUR",
        sample=True,
        valid_from=current.valid_from - timedelta(days=30),
    )  # valid today, but not the current book (it started earlier)
    Price.objects.bulk_create(
        Price(book=older, part_id=p.part_id, unit_price=p.unit_price)
        for p in Price.objects.filter(book=current)
    )
    plain = alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE)
    named = alice.client.post(f"/api/v1/sizing/?price_book={current.code}", ONE_NODE_INFERENCE)
    assert named.content == plain.content and len(engine_runs) == 1  # the same book: kept
    euro = alice.client.post("/api/v1/sizing/?price_book=OLDER-EUR", ONE_NODE_INFERENCE)
    assert euro.json()["tco"]["currency"] == "EUR" and len(engine_runs) == 2
    other = {**ONE_NODE_INFERENCE, "inference": {**ONE_NODE_INFERENCE["inference"]}}
    other["inference"]["prompt_tokens"] = ONE_NODE_INFERENCE["inference"]["prompt_tokens"] + 1
    assert alice.client.post("/api/v1/sizing/", other).status_code == 200
    assert len(engine_runs) == 3
    assert alice.client.post("/api/v1/sizing/", other).status_code == 200
    assert alice.client.post("/api/v1/sizing/?price_book=OLDER-EUR", ONE_NODE_INFERENCE)
    assert len(engine_runs) == 3  # both kept


def test_refusals_are_never_kept(alice, engine_runs):
    bad = {**ONE_NODE_INFERENCE, "inference": {"concurrent_users": -3}}
    for _ in range(2):
        response = alice.client.post("/api/v1/sizing/", bad)
        assert response.status_code == 400
        assert "inference.concurrent_users" in error_of(response)["fields"]
    assert len(engine_runs) == 2


def test_size_zero_turns_the_memo_off(alice, engine_runs, settings):
    settings.API_SIZING_MEMO_SIZE = 0
    for _ in range(2):
        assert alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE).status_code == 200
    assert len(engine_runs) == 2


def test_the_oldest_answer_leaves_first(alice, engine_runs, settings):
    settings.API_SIZING_MEMO_SIZE = 2

    def workload(tokens: int) -> dict:
        return {
            **ONE_NODE_INFERENCE,
            "inference": {"concurrent_users": 10, "prompt_tokens": tokens},
        }

    for tokens in (500, 600, 500, 700):  # 500 used again: 600 is the least recent
        alice.client.post("/api/v1/sizing/", workload(tokens))
    assert len(engine_runs) == 3
    alice.client.post("/api/v1/sizing/", workload(500))
    assert len(engine_runs) == 3
    alice.client.post("/api/v1/sizing/", workload(600))
    assert len(engine_runs) == 4


def test_a_kept_answer_costs_two_cache_round_trips_and_no_query(
    alice, monkeypatch, settings, django_assert_num_queries
):
    """The token lookup reads the catalog revision in its own round trip (request_memo's read
    along); the throttles count every scope in one more. No query."""
    from django.core.cache import cache

    if not settings.CACHES["default"]["BACKEND"].endswith("SharedRedisCache"):
        pytest.skip("Redis is not configured")
    for _ in range(2):  # token cached, last_used_at written, answer kept
        assert alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE).status_code == 200
    client = cache._cache.get_client(None, write=True)
    commands: list[str] = []
    real = client.execute_command

    def counting(*args, **kwargs):
        commands.append(str(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", counting)
    with django_assert_num_queries(0):
        response = alice.client.post("/api/v1/sizing/", ONE_NODE_INFERENCE)
    assert response["Server-Timing"] == 'engine;dur=0;desc="answer kept"'
    assert commands == ["MGET", "EVALSHA"]  # without the read along: a GET of the revision too


class _DrfResponseSizingApi(SizingApi):
    """The view as it answered before `rendered_response`: DRF's Response of the bytes."""

    def post(self, request):
        response = super().post(request)
        drf = Response(orjson.Fragment(response.content))
        drf["Server-Timing"] = response["Server-Timing"]
        return drf


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/json; indent=4"])
def test_the_answer_is_sent_as_drfs_response_would_send_it(alice, accept):
    """Fresh and kept answers: the same status, bytes and headers as DRF's
    Response(orjson.Fragment(answer)), without the template response (the view's response is
    a plain HttpResponse)."""
    factory = RequestFactory()
    answers = []
    for view in (SizingApi.as_view(), _DrfResponseSizingApi.as_view()):
        for _fresh_then_kept in range(2):
            if _fresh_then_kept == 0:
                sizing_memo.clear()
            request = factory.post(
                "/api/v1/sizing/",
                json.dumps(ONE_NODE_INFERENCE),
                content_type="application/json",
                headers={"Authorization": f"Bearer {alice.token}", "Accept": accept},
            )
            response = view(request)
            if hasattr(response, "render"):
                response.render()
            timing = response["Server-Timing"]
            del response["Server-Timing"]
            answers.append((response.status_code, response.content, dict(response.headers)))
            assert timing.startswith("engine;dur=")
            if view.view_class is SizingApi:
                assert type(response) is HttpResponse
    assert answers[0] == answers[2] and answers[1] == answers[3]
    assert answers[0][2]["Content-Type"] == "application/json"
