"""The database away: requests answer 503 + Retry-After (pages, htmx, the API in its error
shape, sign-in, share links), never a 500 trace; and a service interrupted by a database error
leaves nothing half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from apps.ops.views import server_error
from apps.quotes.models import Quote, QuoteNumberCounter
from tests.ops.conftest import dead_port
from tests.quotes import factories

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def outage() -> dict[str, dict[str, object]]:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://portal:portal@127.0.0.1:{dead_port()}/gone",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "LOG_LEVEL": "ERROR",
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tests.ops.outage_client"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert time.monotonic() - started < 60
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", ["page", "htmx", "api", "api_post", "login", "share"])
def test_requests_answer_503_with_retry_after_and_no_trace(outage, name):
    answer = outage[name]
    assert answer["status"] == 503, answer
    assert answer["retry_after"] == "5"
    assert "Traceback" not in answer["body"]
    assert "psycopg" not in answer["body"] and "OperationalError" not in answer["body"]


def test_pages_get_a_page_and_htmx_a_fragment(outage):
    assert "<h1>Briefly unavailable</h1>" in outage["page"]["body"]
    assert outage["htmx"]["body"].startswith('<div class="alert')
    assert "<html" not in outage["htmx"]["body"]


def test_the_api_answers_in_its_error_shape(outage):
    body = json.loads(outage["api"]["body"])
    assert outage["api"]["content_type"] == "application/json"
    assert body == {
        "error": {"code": "service_unavailable", "message": body["error"]["message"], "fields": {}},
        "request_id": "outage-test-1",
    }
    assert json.loads(outage["api_post"]["body"])["error"]["code"] == "service_unavailable"


def test_health_says_which_dependency_is_away(outage):
    assert outage["live"]["status"] == 200
    assert outage["ready"]["status"] == 503
    checks = json.loads(outage["ready"]["body"])["checks"]
    assert checks["database"]["status"] == "fail"
    assert "OperationalError" in checks["database"]["error"]


def test_handler500_answers_503_for_a_database_error_raised_outside_a_view(rf: RequestFactory):
    request = rf.get("/quotes/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500


def test_a_quote_interrupted_by_the_database_is_not_half_written(
    client, book, sales_user, media_root
):
    scenario = factories.make_scenario(sales_user)
    client.force_login(sales_user)
    counter_before = list(QuoteNumberCounter.objects.values_list("year", "last_value"))
    data = {
        "customer_company": "Acme",
        "customer_contact": "Ann",
        "customer_email": "a@acme.test",
        "price_book": book.pk,
        "discount_percent": "0",
        "valid_until": (date.today() + timedelta(days=20)).isoformat(),
        "terms": "Terms",
        "notes": "",
    }

    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with mock.patch("apps.quotes.services.pricing.build_lines", side_effect=fail):
        response = client.post(f"/quotes/new/from-scenario/{scenario.pk}/", data)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert Quote.objects.count() == 0
    assert list(QuoteNumberCounter.objects.values_list("year", "last_value")) == counter_before
    # The same request once the database is back creates the quote, with the first number.
    response = client.post(f"/quotes/new/from-scenario/{scenario.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    quote = Quote.objects.get()
    assert quote.number.endswith("-00001") and quote.lines.count() > 0
