"""The real stack: PostgreSQL, Redis and a Celery worker answer (fail in CI when missing)."""

import time

import pytest
from django.db import connection

from config.celery_app import app


@pytest.mark.services
def test_database_is_postgresql_with_psycopg3(postgres: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        (version,) = cursor.fetchone()
    assert version >= 150000
    import psycopg

    assert connection.connection.__class__.__module__.startswith("psycopg")
    assert psycopg.__version__.startswith("3.")


@pytest.mark.services
def test_real_worker_consumes_tasks_from_redis(celery_worker) -> None:
    replies = app.control.ping(timeout=2, limit=1)  # back on the first answer
    assert replies, "no worker answered the broadcast ping"
    result = app.send_task("core.ping")
    deadline = time.monotonic() + 15
    needle = f"core.ping[{result.id}] succeeded"
    while time.monotonic() < deadline and needle not in celery_worker.log_path.read_text():
        time.sleep(0.1)
    assert needle in celery_worker.log_path.read_text()
