"""The PDF rendered by a real Celery worker through Redis (PostgreSQL + Redis; CI runs these
with REQUIRE_SERVICES=1, locally they skip without the services)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from apps.quotes import money, services
from apps.quotes.models import PdfJob
from tests.conftest import ONE_PAGE_DOCUMENT

from . import factories
from .pdftext import page_texts, squash
from .worker_helpers import pdf_files, wait_for

# Real transactions: the worker must see committed rows, and on_commit must fire.
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _start_worker(monkeypatch, request, render_delay: str, template: str = ""):
    """A real worker whose broker gives back a dead worker's message after 4 s (instead of
    10 min) and whose job leases last 4 s (instead of 30: the redelivered or retried render
    waits for the lost runner's lease to end, renewed every third of it while rendering);
    `render_delay` holds a job's first attempt so a test can kill the worker in the middle
    (the attempt that recovers renders at once), `template` renders another print template
    (the one-page document, tests/conftest.py).
    tests/ops/test_fault_worker_lost.py keeps production's visibility timeout.

    Short timings do not race the kill: the test kills as soon as the render has started,
    inside a first attempt held for KILL_WINDOW_S, whatever the load. A lease or visibility
    timeout that lapses while a render still runs brings at most a second delivery, which the
    one worker (one pool process) runs after the first and finds the job finished, left alone
    (tests/quotes/test_pdf_jobs.py, test_storage.py: duplicates and live leases)."""
    monkeypatch.setenv("TEST_CELERY_VISIBILITY_TIMEOUT", "4")
    monkeypatch.setenv("QUOTES_PDF_LEASE_SECONDS", "4")
    monkeypatch.setenv("TEST_PDF_RENDER_DELAY", render_delay)
    if template:
        monkeypatch.setenv("TEST_PDF_TEMPLATE", template)
    return request.getfixturevalue("celery_worker")


# How long a kill test's first attempt waits before it renders: the test kills the worker
# within it (the attempt never ends by itself). Far below the task's soft time limit (120 s).
KILL_WINDOW_S = "30"


@pytest.fixture
def worker(transactional_db, monkeypatch, media_root, request):
    """Renders the quotes' real document (test_worker_renders_the_document's subject)."""
    return _start_worker(monkeypatch, request, "0")


@pytest.fixture
def slow_worker(transactional_db, monkeypatch, media_root, request):
    """For the kill tests, whose subject is the job's recovery, not the document: the
    one-page document (a real render through the worker, ~0.05 s of CPU)."""
    return _start_worker(monkeypatch, request, KILL_WINDOW_S, ONE_PAGE_DOCUMENT)


def _job(quote):
    return PdfJob.objects.get(quote=quote)


def test_worker_renders_the_document(worker, book, sales_user, media_root) -> None:
    quote = factories.make_quote(
        sales_user, scenario=factories.make_scenario(sales_user, factories.LARGE_WORKLOAD)
    )
    quote, _ = services.quote_send(user=sales_user, quote=quote)  # enqueued on commit
    job = wait_for(
        lambda: _job(quote).status == "ready" and _job(quote), 90, "the PDF", worker.log_path
    )
    assert job.attempts == 1 and job.error == ""
    text = squash("\n".join(page_texts(media_root / job.file_name)))
    assert squash(quote.number) in text
    for item in quote.sizing_result["bom"]:
        assert item["part_number"] in text, item["part_number"]
    assert squash(money.format_money(quote.total, quote.currency)) in text
    assert "quotes.render_pdf" in worker.log_path.read_text()


def test_sigkill_mid_render_still_ends_with_exactly_one_document(
    slow_worker, book, sales_user, media_root
) -> None:
    quote = factories.make_quote(sales_user)
    quote, _ = services.quote_send(user=sales_user, quote=quote)
    worker = slow_worker
    wait_for(lambda: _job(quote).status == "rendering", 30, "the render to start", worker.log_path)
    worker.stop(signal.SIGKILL)  # the whole worker, pool child included (pdeathsig)
    job = _job(quote)
    assert (job.status, job.attempts) == ("rendering", 1)
    worker.start()
    job = wait_for(
        lambda: _job(quote).status == "ready" and _job(quote),
        90,
        "the redelivered render",
        worker.log_path,
    )
    assert job.attempts == 2
    assert pdf_files(media_root) == [media_root / job.file_name]
    assert PdfJob.objects.filter(quote=quote).count() == 1
    services.pdf_job_request(user=sales_user, quote=quote)  # asking again: same document
    assert pdf_files(media_root) == [media_root / job.file_name]


def _pool_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def test_killed_pool_process_is_retried_and_ends_with_one_document(
    slow_worker, book, sales_user, media_root
) -> None:
    worker = slow_worker
    quote = factories.make_quote(sales_user)
    quote, _ = services.quote_send(user=sales_user, quote=quote)
    wait_for(lambda: _job(quote).status == "rendering", 30, "the render to start", worker.log_path)
    (child,) = _pool_children(worker.proc.pid)
    os.kill(child, signal.SIGKILL)  # only the pool process: the worker notices and retries
    job = wait_for(
        lambda: _job(quote).status == "ready" and _job(quote),
        60,
        "the retried render",
        worker.log_path,
    )
    assert job.attempts == 2
    assert pdf_files(media_root) == [media_root / job.file_name]
    assert "WorkerLostError" in worker.log_path.read_text()
