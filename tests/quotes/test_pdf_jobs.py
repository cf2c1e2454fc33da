"""The PDF job: one document per revision, idempotent runs, retries, failure, the sweeper."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.quotes import pdf, services
from apps.quotes.models import PdfJob

from .pdftext import page_texts, squash

# The job machinery is the subject, not the document: its one-page version (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_page_document")]


@pytest.fixture
def sent_quote(quote, sales_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # nothing rendered yet
        quote, _ = services.quote_send(user=sales_user, quote=quote)
    return quote


def _files(media_root: Path) -> list[Path]:
    return sorted(p for p in media_root.rglob("*") if p.is_file())


def test_a_draft_has_no_document(quote, sales_user) -> None:
    with pytest.raises(ApplicationError):
        services.pdf_job_request(user=sales_user, quote=quote)


def test_running_twice_and_asking_again_give_one_document(
    sent_quote, sales_user, media_root, django_capture_on_commit_callbacks
) -> None:
    job = sent_quote.pdf_job
    assert (job.status, job.attempts) == ("queued", 0)
    assert services.pdf_job_run(job.pk).status == "ready"
    assert services.pdf_job_run(job.pk).status == "ready"  # a redelivered message: no-op
    job.refresh_from_db()
    stored = (media_root / job.file_name).read_bytes()  # the quote's document, as recorded
    assert job.attempts == 1 and (job.pages, job.file_size) == (1, len(stored))
    assert job.sha256 == hashlib.sha256(stored).hexdigest()
    assert squash(sent_quote.number) in squash(page_texts(stored)[0])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = services.pdf_job_request(user=sales_user, quote=sent_quote)
    assert again.pk == job.pk and not callbacks  # same file, nothing enqueued
    assert _files(media_root) == [media_root / job.file_name]
    assert PdfJob.objects.count() == 1


def test_two_renders_of_the_same_job_leave_one_file(sent_quote, media_root) -> None:
    # A duplicate delivery while another render runs: both claim, both write, one file.
    job = sent_quote.pdf_job
    PdfJob.objects.filter(pk=job.pk).update(status="rendering", attempts=1)
    assert services.pdf_job_run(job.pk).status == "ready"
    PdfJob.objects.filter(pk=job.pk).update(status="rendering")
    assert services.pdf_job_run(job.pk).status == "ready"
    assert len(_files(media_root)) == 1


def test_errors_are_retried_with_backoff_then_fail_with_a_reason(sent_quote, monkeypatch) -> None:
    def boom(quote, **kwargs):
        raise RuntimeError("cairo ran out of ink")

    monkeypatch.setattr(pdf, "render_quote", boom)
    job = sent_quote.pdf_job
    outcomes = [services.pdf_job_run(job.pk) for _ in range(3)]
    assert [o.retry_in for o in outcomes] == [5, 20, None]
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 3)
    assert "cairo ran out of ink" in job.error and "gave up after 3 attempts" in job.error
    assert services.pdf_job_run(job.pk).status == "failed"  # stays failed


def test_the_task_retries_through_celery_until_it_gives_up(sent_quote, monkeypatch) -> None:
    from apps.quotes.tasks import render_quote_pdf

    calls = []

    def flaky(quote, **kwargs):
        calls.append(1)
        raise OSError("disk")

    monkeypatch.setattr(pdf, "render_quote", flaky)
    conf = render_quote_pdf.app.conf
    old, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        render_quote_pdf.apply(args=[sent_quote.pdf_job.pk])  # eager: each retry runs inline
    finally:
        conf.task_eager_propagates = old
    job = PdfJob.objects.get()
    assert len(calls) == 3 and (job.status, job.attempts) == ("failed", 3)
    assert "OSError: disk" in job.error


def test_a_blocked_url_fails_at_once(sent_quote, monkeypatch) -> None:
    def blocked(quote, **kwargs):
        raise pdf.PdfRenderError("blocked a URL the document asked for: ['file:///etc/passwd']")

    monkeypatch.setattr(pdf, "render_quote", blocked)
    assert services.pdf_job_run(sent_quote.pdf_job.pk).status == "failed"
    job = PdfJob.objects.get()
    assert job.attempts == 1 and "blocked" in job.error


def test_asking_again_after_a_failure_starts_over(
    sent_quote, sales_user, django_capture_on_commit_callbacks
) -> None:
    PdfJob.objects.update(status="failed", attempts=3, error="x")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.pdf_job_request(user=sales_user, quote=sent_quote)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == "ready" and job.attempts == 1 and job.error == ""


def test_sweeper_requeues_stale_jobs_and_fails_exhausted_ones(
    sent_quote, book, sales_user, media_root, django_capture_on_commit_callbacks
) -> None:
    from . import factories

    other, _ = services.quote_send(user=sales_user, quote=factories.make_quote(sales_user))
    old = timezone.now() - timedelta(hours=1)
    PdfJob.objects.filter(quote=sent_quote).update(status="rendering", attempts=1, started_at=old)
    PdfJob.objects.filter(quote=other).update(status="rendering", attempts=3, started_at=old)
    fresh = PdfJob.objects.get(quote=other)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        counts = services.pdf_jobs_requeue_stale()
    assert counts == {"requeued": 1, "failed": 1, "temporary_files_removed": 0}
    assert len(callbacks) == 1
    assert PdfJob.objects.get(quote=sent_quote).status == "ready"
    fresh.refresh_from_db()
    assert fresh.status == "failed" and "gave up after 3 attempts" in fresh.error
    assert services.pdf_jobs_requeue_stale() == {
        "requeued": 0,
        "failed": 0,
        "temporary_files_removed": 0,
    }


def test_sweep_command(sent_quote, django_capture_on_commit_callbacks) -> None:
    PdfJob.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("quotes_sweep", stdout=out)
    assert "pdf jobs: 1 requeued, 0 failed" in out.getvalue()
    assert "quotes expired: 0" in out.getvalue()
    assert PdfJob.objects.get().status == "ready"
