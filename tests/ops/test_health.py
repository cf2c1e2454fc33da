"""/health/live and /health/ready: status and latency per check, 503 when not ready."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError

from config.celery_app import app
from tests.ops.conftest import dead_port, point_celery_at


def test_live_answers_without_database_session_or_allowed_host(
    client, db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/health/live", HTTP_HOST="not-an-allowed-host.example")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies


def test_ready_in_process_tasks_checks_the_database_and_skips_the_broker(client, db):
    response = client.get("/health/ready/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["latency_ms"] >= 0
    assert body["checks"]["redis"]["status"] == "skipped"
    assert body["checks"]["worker"]["status"] == "skipped"


def test_ready_fails_503_when_the_database_fails(client, db):
    with mock.patch(
        "apps.ops.health._database", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "status": "fail",
        "error": "OperationalError: connection refused",
        "latency_ms": body["checks"]["database"]["latency_ms"],
    }


@pytest.fixture
def broker_mode(settings):
    """Tasks go through a broker (as in production), not in-process."""
    old = app.conf.task_always_eager  # before the settings change: conf loads lazily
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    yield settings
    app.conf.task_always_eager = old


def test_ready_fails_503_when_redis_is_down(client, db, broker_mode):
    url = f"redis://127.0.0.1:{dead_port()}/0"
    broker_mode.CELERY_BROKER_URL = url
    point_celery_at(url)
    try:
        response = client.get("/health/ready")
    finally:
        point_celery_at(None)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["redis"]["status"] == "fail"
    assert "ConnectionError" in checks["redis"]["error"]
    assert checks["worker"] == {"status": "fail", "latency_ms": 0.0, "error": "broker unavailable"}
    # Leaving the worker check out does not hide Redis.
    assert client.get("/health/ready?skip=worker").status_code == 503
    assert client.get("/health/ready?skip=worker,redis").status_code == 200


def test_ready_fails_when_no_worker_answers(client, db, broker_mode, redis_broker):
    point_celery_at(redis_broker)
    try:
        response = client.get("/health/ready")
    finally:
        point_celery_at(None)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["status"] == "ok"
    assert checks["worker"]["status"] == "fail"


@pytest.mark.services
def test_ready_with_database_redis_and_a_worker(client, postgres, celery_worker, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert {name: c["status"] for name, c in checks.items()} == {
        "database": "ok",
        "redis": "ok",
        "worker": "ok",
        "storage": "ok",
    }
    assert any(name.startswith("test-") for name in checks["worker"]["workers"])


def test_ready_reports_storage_down_when_it_cannot_write(client, db, settings, tmp_path):
    """The probe writes through the storage API: when it cannot (here the probe's directory
    is taken by a file; the fault tests fill a real volume), readiness fails on `storage`
    with the reason, and no temporary file is left behind."""
    settings.MEDIA_ROOT = tmp_path / "documents"
    settings.MEDIA_ROOT.mkdir()
    assert client.get("/health/ready").json()["checks"]["storage"]["status"] == "ok"
    (settings.MEDIA_ROOT / "health").rmdir()
    (settings.MEDIA_ROOT / "health").write_bytes(b"not a directory")
    response = client.get("/health/ready")
    assert response.status_code == 503
    storage = response.json()["checks"]["storage"]
    assert storage["status"] == "fail" and "Error" in storage["error"], storage
    assert sorted(p.name for p in settings.MEDIA_ROOT.rglob("*")) == ["health"]
