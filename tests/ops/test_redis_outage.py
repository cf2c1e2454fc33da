"""Redis away: pages and the API keep answering, a PDF request is recorded in the database and
its document produced once a broker is back (the sweeper sends what never reached it)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from apps.accounts.services import api_token_create
from apps.quotes.models import PdfJob, Quote
from config.celery_app import app
from config.settings.base import shared_cache
from tests.ops.conftest import dead_port, point_celery_at
from tests.quotes import factories
from tests.quotes.worker_helpers import pdf_files, wait_for


def test_the_cache_is_the_outage_tolerant_one_when_it_is_redis():
    backend = django_settings.CACHES["default"]["BACKEND"]
    assert "redis" not in backend.lower() or backend == "apps.core.cache.SharedRedisCache"


@pytest.fixture
def redis_down(settings) -> Iterator[str]:
    """Tasks go through a broker that is not there (connections refused), and the shared cache
    (token authentication, throttles) is that dead Redis too."""
    url = f"redis://127.0.0.1:{dead_port()}/0"
    old_eager = app.conf.task_always_eager  # before the settings change: conf loads lazily
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url
    settings.CACHES = {
        "default": {**django_settings.CACHES["default"], **shared_cache(url, "down")}
    }
    app.conf.task_always_eager = False
    point_celery_at(url)
    yield url
    point_celery_at(None)
    app.conf.task_always_eager = old_eager


def _broker_messages() -> tuple[int, int]:
    """(messages in this process's pdf queue, messages delivered to a worker and not acked)."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        return int(channel._size("pdf")), int(channel.client.hlen(channel.unacked_key))


def _send_through_the_page(client, quote: Quote) -> float:
    started = time.monotonic()
    response = client.post(f"/quotes/{quote.pk}/send/")
    assert response.status_code in (200, 302), response.content.decode()[:2000]
    return time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_pages_and_api_answer_and_the_pdf_request_is_recorded(
    client, redis_down, book, sales_user, media_root
):
    client.force_login(sales_user)
    quote = factories.make_quote(sales_user)
    assert _send_through_the_page(client, quote) < 5
    job = PdfJob.objects.get(quote=quote)
    assert (job.status, job.enqueued_at, job.attempts) == ("queued", None, 0)
    assert client.get(f"/quotes/{quote.pk}/").status_code == 200
    assert client.get("/sizing/").status_code == 200
    assert client.post(f"/quotes/{quote.pk}/pdf/").status_code in (200, 202, 302)
    _, token = api_token_create(user=sales_user, name="t", scope="read_write", expires_in_days=7)
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/me/", **api).status_code == 200
    assert client.get("/api/v1/me/", **api).status_code == 200  # throttle and token cache away
    assert client.get(f"/api/v1/quotes/{quote.pk}/pdf/", **api).json()["status"] == "queued"
    ready = client.get("/health/ready")
    assert ready.status_code == 503 and ready.json()["checks"]["redis"]["status"] == "fail"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_sweeper_completes_it_once_redis_is_back(
    media_root,
    one_page_document,  # the subject is the sweeper, not the document
    client,
    postgres,
    celery_worker,
    redis_broker,
    settings,
    book,
    sales_user,
):
    client.force_login(sales_user)
    quote = factories.make_quote(sales_user)
    down = f"redis://127.0.0.1:{dead_port()}/0"
    settings.CELERY_BROKER_URL = down
    point_celery_at(down)
    try:
        _send_through_the_page(client, quote)
    finally:
        settings.CELERY_BROKER_URL = redis_broker
        point_celery_at(redis_broker)
    job = PdfJob.objects.get(quote=quote)
    assert (job.status, job.enqueued_at) == ("queued", None)
    # Nothing reached the worker's broker: no message waits in its queue or is held by the
    # worker (kombu's unacked hash), and the job is still queued.
    assert _broker_messages() == (0, 0)
    assert PdfJob.objects.get(pk=job.pk).status == "queued"
    call_command("quotes_sweep", "--no-expire")
    wait_for(
        lambda: PdfJob.objects.get(pk=job.pk).status == "ready",
        90,
        "the document",
        celery_worker.log_path,
    )
    job.refresh_from_db()
    assert job.attempts == 1 and job.enqueued_at is not None
    assert len(pdf_files(media_root)) == 1
