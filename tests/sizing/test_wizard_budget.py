"""The wizard's query budget (issue 16): an update reads the session and the user, and the
catalog revision from the shared cache; the catalog snapshot, price book and prices are read
once per catalog revision per process, so a result update costs at most 4 queries whatever it
shows. (The CPU figure is measured by bench/bench_wizard.py, not here.)"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from .conftest import HTMX_RESULT, SMALL

URL = "/sizing/"
BUDGET = 4


def _update(client, users: int) -> str:
    response = client.get(URL, {**SMALL, "users": str(users)}, headers=HTMX_RESULT)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="status"' in html, html[:300]
    return html


@pytest.mark.parametrize(
    "extra",
    [{}, {"gpu": "auto", "fabric": "auto"}, {"wt_users": "40"}],
    ids=["chosen-gpu", "auto", "what-if"],
)
def test_a_result_update_stays_within_the_budget(client_p1, django_assert_max_num_queries, extra):
    client_p1.get(URL, {**SMALL, **extra}, headers=HTMX_RESULT)  # this process reads the catalog
    for users in (11, 37, 64):
        with django_assert_max_num_queries(BUDGET):
            response = client_p1.get(
                URL, {**SMALL, **extra, "users": str(users)}, headers=HTMX_RESULT
            )
        assert response.status_code == 200 and 'class="status"' in response.content.decode()


def test_the_catalog_revision_is_read_once_when_the_shared_cache_lost_it(
    client_p1, django_assert_max_num_queries
):
    _update(client_p1, 11)
    cache.clear()  # e.g. Redis restarted: one read of the revision, the rest is still kept
    with django_assert_max_num_queries(BUDGET + 1):
        _update(client_p1, 12)
    with django_assert_max_num_queries(BUDGET):
        _update(client_p1, 13)


def test_a_price_change_shows_in_the_next_update(client_p1):
    from decimal import Decimal

    from apps.catalog.models import Price

    html = _update(client_p1, 11)
    shown = set(re.findall(r"<tr><td><code>([^<]+)</code>", html))  # the BoM's part numbers
    price = Price.objects.filter(book__code="SAMPLE-USD", part__part_number__in=shown).first()
    assert price is not None
    price.unit_price = Decimal("123457.89")
    price.save()  # the catalog signal moves the revision: every process reads the new prices
    assert "123,457.89" in _update(client_p1, 11)
