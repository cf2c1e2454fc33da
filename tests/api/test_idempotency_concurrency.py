"""Concurrent retries with one Idempotency-Key make one quote (PostgreSQL, real transactions:
the second request waits on the key's unique constraint, then replays the first answer)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from apps.quotes.models import Quote

from .helpers import CUSTOMER, ONE_NODE_INFERENCE, ApiClient, partner_org, persona

N = 6


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_make_one_quote(postgres, full_catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.API_THROTTLE_RATES = {"write": None, "sizing": None}
    token = persona("racer", partner_org("Racing Partner")).token
    barrier = threading.Barrier(N)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def create() -> None:
        try:
            barrier.wait(timeout=30)
            response = ApiClient(token).post(
                "/api/v1/quotes/",
                {"workload": ONE_NODE_INFERENCE, **CUSTOMER},
                headers={"Idempotency-Key": "race-1"},
            )
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Quote.objects.count() == 1
    quote_id = Quote.objects.get().pk
    statuses = sorted(status for status, _ in answers)
    assert len(answers) == N and set(statuses) <= {201, 409}, answers
    assert all(body["id"] == quote_id for status, body in answers if status == 201)
