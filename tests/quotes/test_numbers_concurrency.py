"""Fifty concurrent quote creations in real transactions get fifty distinct, consecutive
numbers (PostgreSQL; a plain TestCase would wrap everything in one transaction and hide the
race)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from apps.quotes.models import Quote, QuoteNumberCounter

from . import factories

N = 50


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_creations_get_fifty_consecutive_numbers(
    postgres, settings, tmp_path
) -> None:
    assert connection.vendor == "postgresql"
    settings.MEDIA_ROOT = tmp_path
    factories.load_catalog()
    user = factories.make_user(factories.make_org("seller"))
    scenario = factories.make_scenario(user)
    barrier = threading.Barrier(N)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            quote = factories.make_quote(user, scenario=scenario, customer_company=f"Customer {i}")
            with lock:
                numbers.append(quote.number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    year = timezone.localdate().year
    assert sorted(numbers) == [f"Q-{year}-{i:05d}" for i in range(1, N + 1)]
    assert Quote.objects.count() == N
    assert QuoteNumberCounter.objects.get(year=year).last_value == N
