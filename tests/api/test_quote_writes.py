"""Quote creation decides its answer inside the transaction and keeps its request id with the
quote: a retry without an Idempotency-Key never makes a second quote, and a connection lost
while committing is answered `outcome_unknown` (never a plain "retry later")."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from apps.api.views import quotes as quote_views
from apps.quotes.models import Quote

from .helpers import CUSTOMER, error_of, make_scenario


@pytest.fixture(autouse=True)
def _documents(media_root):
    return media_root


def _body(alice, **extra):
    return {"scenario": make_scenario(alice.user).pk, **CUSTOMER, **extra}


def test_a_retry_without_a_key_answers_the_quote_already_made(alice):
    body = _body(alice)
    first = alice.client.post("/api/v1/quotes/", body)
    again = alice.client.post("/api/v1/quotes/", body)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert again.json() == first.json() and again["Location"] == first["Location"]
    quote = Quote.objects.get()
    assert quote.creation_request and len(quote.creation_request) == 64


def test_another_body_or_caller_is_another_quote(alice, bob):
    body = _body(alice)
    assert alice.client.post("/api/v1/quotes/", body).status_code == 201
    other = alice.client.post("/api/v1/quotes/", {**body, "notes": "second site"})
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    bobs = bob.client.post("/api/v1/quotes/", body)
    assert bobs.status_code == 201 and "Idempotent-Replayed" not in bobs
    assert Quote.objects.count() == 3


def test_after_the_retry_window_the_same_body_is_a_new_quote(alice, settings):
    settings.API_CREATE_RETRY_WINDOW_SECONDS = 0
    body = _body(alice)
    ids = {alice.client.post("/api/v1/quotes/", body).json()["id"] for _ in range(2)}
    assert len(ids) == 2


def test_distinct_idempotency_keys_make_identical_quotes_on_purpose(alice):
    body = _body(alice)
    ids = {
        alice.client.post("/api/v1/quotes/", body, headers={"Idempotency-Key": key}).json()["id"]
        for key in ("site-1", "site-2")
    }
    assert len(ids) == 2 and Quote.objects.count() == 2
    assert set(Quote.objects.values_list("creation_request", flat=True)) == {""}


def _terminate_own_backend() -> None:
    """End this connection's PostgreSQL backend from a second connection, as a database
    restart does: the next statement (the COMMIT) finds the connection gone."""
    settings_dict = connection.settings_dict
    pid = connection.connection.info.backend_pid
    with psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
        dbname=settings_dict["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_while_committing_answers_outcome_unknown_and_the_retry_is_one_quote(
    alice, postgres, monkeypatch
):
    body = _body(alice)
    built = quote_views._created

    def answer_then_lose_the_connection(quote):
        response = built(quote)  # the answer is complete ...
        _terminate_own_backend()  # ... and the connection dies before the COMMIT
        return response

    monkeypatch.setattr(quote_views, "_created", answer_then_lose_the_connection)
    lost = alice.client.post("/api/v1/quotes/", body)
    assert lost.status_code == 503 and lost["Retry-After"]
    error = error_of(lost)
    assert error["code"] == "outcome_unknown" and "may have been saved" in error["message"]
    monkeypatch.setattr(quote_views, "_created", built)
    connection.close()
    retry = alice.client.post("/api/v1/quotes/", body)
    assert retry.status_code == 201
    assert Quote.objects.count() == 1  # the terminated transaction was rolled back: one quote
