"""Celery tasks of the quotes app: thin wrappers around services (the DB is the source of truth).

`render_quote_pdf` is acknowledged late and rejected (requeued) if its worker process dies,
and retried after a lost worker up to `max_retries` (so a document that always kills its
worker cannot loop forever; the job's own `attempts` in the database bounds it as well).
Errors are retried with backoff by the service's decision, a lost database connection with
exponential backoff; time limits stop a runaway render.
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    bind=True,
    name=services.pdf_jobs.RENDER_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    retry_on_worker_lost=True,
    max_retries=5,
    default_retry_delay=5,
    soft_time_limit=120,
    time_limit=150,
)
def render_quote_pdf(self, job_id: int) -> str:  # type: ignore[no-untyped-def]
    """Render the PDF of job `job_id` (idempotent: a finished job is left alone)."""
    try:
        outcome = services.pdf_job_run(job_id)
    except SoftTimeLimitExceeded:
        outcome = services.pdf_job_record_error(job_id, "the render took too long (time limit)")
    except (OperationalError, InterfaceError) as exc:
        # The database is away: nothing could be recorded, so retry with backoff (5 s, 10 s,
        # 20 s … capped at 60 s); past max_retries the job stays queued for the sweeper.
        raise self.retry(exc=exc, countdown=min(60, 5 * 2**self.request.retries)) from exc
    if outcome.retry_in is not None:
        # Storage away or another runner's live lease: not render failures, so not within
        # the task's max_retries (the job's own deadlines bound them, services/pdf_jobs.py).
        raise self.retry(
            countdown=outcome.retry_in, max_retries=None if outcome.unbounded else self.max_retries
        )
    return outcome.status


@shared_task(
    name="quotes.email_link",
    autoretry_for=(OSError, SMTPException),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def email_link(quote_id: int, url: str) -> str:
    """E-mail the customer the link of a sent quote (retried while the mail server fails)."""
    return services.link_email_send(quote_id, url)


@shared_task(
    name="quotes.email_approval_request",
    autoretry_for=(OSError, SMTPException),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def email_approval_request(quote_id: int, url: str) -> list[str]:
    """E-mail the sales managers that a draft's discount waits for their approval."""
    return services.approval_request_email_send(quote_id, url)


@shared_task(name="quotes.sweep_pdf_jobs")
def sweep_pdf_jobs() -> dict[str, int]:
    """Requeue PDF jobs left pending too long (schedule with Celery beat, every few minutes)."""
    return services.pdf_jobs_requeue_stale()


@shared_task(name="quotes.expire_due")
def expire_due_quotes() -> int:
    """Mark sent quotes past their validity date as expired (schedule daily)."""
    return services.quotes_expire_due()
