"""The OpenAPI schema is generated once per process (apps/api/views/schema.py): the same bytes
for every request of a format, one generation for concurrent first requests, forgotten when
the settings change."""

from __future__ import annotations

import threading

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from apps.api.views import schema

URL = "/api/v1/schema/"


@pytest.fixture
def generations(monkeypatch):
    """Counts schema generations, starting from a process that has none."""
    schema.forget()
    calls = []
    original = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    yield calls
    schema.forget()


def test_every_request_gets_the_same_bytes_from_one_generation(db, generations):
    client = Client()
    first = client.get(URL)
    again = client.get(URL)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and first.content.startswith(b"openapi: 3")
    assert (
        again["Content-Type"]
        == first["Content-Type"]
        == "application/vnd.oai.openapi; charset=utf-8"
    )
    assert again["Content-Disposition"] == first["Content-Disposition"]
    assert len(generations) == 1
    as_json = client.get(URL, {"format": "json"})
    assert as_json.json()["openapi"].startswith("3") and len(generations) == 2
    assert client.get(URL, {"format": "json"}).content == as_json.content
    assert len(generations) == 2


def test_concurrent_first_requests_generate_it_once(transactional_db, generations):
    answers: list[tuple[int, bytes]] = []

    def fetch() -> None:
        response = Client().get(URL)
        answers.append((response.status_code, response.content))

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [code for code, _ in answers] == [200] * 6
    assert len({body for _, body in answers}) == 1 and len(generations) == 1


def test_a_settings_change_forgets_it(db, generations, settings):
    client = Client()
    client.get(URL)
    client.get(URL)
    assert len(generations) == 1
    settings.API_RATE_READ = "1/s"  # any setting: the schema may depend on settings
    assert client.get(URL).status_code == 200
    assert len(generations) == 2
