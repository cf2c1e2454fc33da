"""Query budgets of the list endpoints (NetBox's idea: a fixed number of queries whatever the
number of rows — no N+1). A token request costs at most one query to authenticate (token, user
and organization in one join), none while the shared cache holds it; `last_used_at` is written
at most once a minute."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .helpers import make_quote, make_scenario

# endpoint → queries: authentication + count + page (+ the price book for its prices)
BUDGETS = {
    "/api/v1/catalog/parts/": 3,
    "/api/v1/catalog/gpus/": 3,
    "/api/v1/catalog/platforms/": 3,
    "/api/v1/catalog/models/": 3,
    "/api/v1/catalog/price-books/": 3,
    "/api/v1/catalog/price-books/SAMPLE-USD/prices/": 4,
    "/api/v1/scenarios/": 3,
    "/api/v1/quotes/": 3,
}


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, limit=200)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["results"], path
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", BUDGETS)
def test_list_endpoints_stay_within_their_budget(alice, bob, path, media_root):
    for user in (alice.user, bob.user):
        make_quote(user, make_scenario(user))
    alice.client.get("/api/v1/me/")  # first use writes last_used_at; not part of the budget
    few = queries(alice.client, path)
    for user in (alice.user, bob.user):
        for _ in range(3):
            make_quote(user, make_scenario(user))
    assert queries(alice.client, path) == few <= BUDGETS[path], path


def test_first_use_of_a_token_records_it_once_then_costs_no_query(alice):
    with CaptureQueriesContext(connection) as first:
        alice.client.get("/api/v1/me/")
    with CaptureQueriesContext(connection) as second:
        alice.client.get("/api/v1/me/")
    assert len(first.captured_queries) == 2 and len(second.captured_queries) == 0


def test_a_token_the_cache_does_not_hold_costs_one_query(alice):
    from django.core.cache import cache

    alice.client.get("/api/v1/me/")
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert alice.client.get("/api/v1/me/").status_code == 200
    assert len(ctx.captured_queries) == 1


def test_a_sizing_the_engine_runs_for_costs_no_query_once_warm(alice):
    """POST /api/v1/sizing/ with a workload not sized before (the engine runs: no kept answer)
    reads the price book, its prices and the catalog snapshot from what the process keeps per
    catalog revision, and the token from the shared cache: no query (issue 16)."""

    def workload(prompt: int) -> dict:
        return {
            "kind": "inference",
            "model": "llama-2-70b",
            "gpu": "h100-pcie-80gb",
            "nodes": 1,
            "inference": {"concurrent_users": 100, "prompt_tokens": prompt},
        }

    assert alice.client.post("/api/v1/sizing/", workload(1000)).status_code == 200  # warm
    for prompt in (1001, 1002):
        with CaptureQueriesContext(connection) as ctx:
            response = alice.client.post("/api/v1/sizing/", workload(prompt))
        assert response.status_code == 200, response.content[:300]
        assert "answer kept" not in response["Server-Timing"]
        assert len(ctx.captured_queries) == 0, [q["sql"] for q in ctx.captured_queries]
