"""Restarting Redis with render jobs queued loses none: the worker talks to a private
redis-server with AOF (appendonly yes, appendfsync everysec), which this test crashes (SIGKILL)
and restarts. The shared Redis is never touched."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from apps.quotes import services
from apps.quotes.models import PdfJob
from tests import stack
from tests.conftest import require_or_skip

from . import factories
from .worker_helpers import pdf_files, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
N_JOBS = 4


class PrivateRedis(stack.PrivateRedis):
    """tests/stack.py's private redis-server, crashed with SIGKILL and its PDF queue read."""

    def crash(self) -> None:
        assert self.proc is not None
        self.stop(signal.SIGKILL)

    def queue_length(self) -> int:
        from django.conf import settings

        prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
        return int(redis.Redis.from_url(self.url).llen(f"{prefix}pdf"))  # CELERY_TASK_ROUTES

    def messages_in_aof(self) -> int:
        """Render messages written to the append-only files (what a restart replays)."""
        return sum(
            path.read_bytes().count(b'"task": "quotes.render_pdf"')
            for path in self.dir.rglob("*.aof")
        )


def _point_app_at(url: str | None) -> None:
    """The in-process Celery app (producer, control) uses `url` from now on (Celery reads
    CELERY_BROKER_URL from the environment before its configuration)."""
    from kombu import pools

    from config.celery_app import app

    if url is None:
        os.environ.pop("CELERY_BROKER_URL", None)
    else:
        os.environ["CELERY_BROKER_URL"] = url
    pools.reset()  # close and forget every cached connection (some point at a dead server)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    require_or_skip(shutil.which("redis-server") is not None, "redis-server binary")
    (tmp_path / "redis").mkdir()
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        if server.proc is not None:
            server.crash()


@pytest.fixture
def redis_broker(private_redis: PrivateRedis) -> Iterator[str]:
    """Overrides the project fixture: the worker and this process use the private Redis."""
    previous = os.environ.get("CELERY_BROKER_URL")
    _point_app_at(private_redis.url)
    try:
        yield private_redis.url
    finally:
        _point_app_at(previous)


def test_redis_crash_with_jobs_queued_loses_none(
    media_root,
    one_page_document,  # the subject is the queue, not the document: 4 renders of ~0.05 s
    redis_broker,
    private_redis,
    celery_worker_not_started,
    book,
    sales_user,
) -> None:
    celery_worker = celery_worker_not_started  # nobody consumes: the jobs stay queued in Redis
    scenario = factories.make_scenario(sales_user)
    quotes = []
    for i in range(N_JOBS):
        quote = factories.make_quote(sales_user, scenario=scenario, customer_company=f"C{i}")
        quotes.append(services.quote_send(user=sales_user, quote=quote)[0])
    assert private_redis.queue_length() == N_JOBS
    # The crash comes once every message is in the append-only file (appendfsync everysec
    # writes it within a second of the push), not after a fixed second and a half.
    wait_for(
        lambda: private_redis.messages_in_aof() >= N_JOBS,
        15,
        "the queued messages in the append-only file",
        private_redis.dir / "redis.log",
        interval=0.05,
    )
    private_redis.crash()
    private_redis.start()
    assert private_redis.queue_length() == N_JOBS
    _point_app_at(private_redis.url)  # drop connections to the dead server
    celery_worker.start()
    wait_for(
        lambda: PdfJob.objects.filter(status="ready").count() == N_JOBS,
        120,
        "every queued document",
        celery_worker.log_path,
    )
    assert len(pdf_files(media_root)) == N_JOBS
    assert set(PdfJob.objects.values_list("attempts", flat=True)) == {1}
