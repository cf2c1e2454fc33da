"""PDF jobs: one job (and one document) per sent revision, rendered by the Celery worker.

The task is sent only after the creating transaction commits; runs are idempotent (a
finished job is left alone); errors are retried with backoff up to `QUOTES_PDF_MAX_ATTEMPTS`;
the sweeper requeues jobs whose message was lost or whose worker died.

Leases: a runner claims a job by taking its lease (`lease_owner`, `lease_expires_at`,
QUOTES_PDF_LEASE_SECONDS) in the claiming transaction and renews it from a heartbeat thread
while it renders. A job whose lease is live is never claimed by a second runner (a duplicate
delivery returns without rendering or spending an attempt); a lease past its expiry means the
runner was lost (SIGKILL, host down), and the sweeper (every QUOTES_PDF_SWEEP_SECONDS) requeues
the job at once instead of waiting for the broker's visibility timeout.

Storage errors (disk full or read-only, object store down) are not the document's fault: they
are recorded on the job, do not spend a render attempt, and the job retries every
QUOTES_PDF_STORAGE_RETRY_SECONDS until the storage takes it or QUOTES_PDF_STORAGE_WAIT_SECONDS
have passed since it was queued (then it fails with the storage's reason). A retry in the same
process writes the document it rendered already (`_UNSTORED`) instead of rendering it again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.dispatch import dispatch
from apps.core.exceptions import ApplicationError

from .. import selectors
from ..choices import PdfJobStatus, QuoteStatus
from ..models import PdfJob, Quote
from . import storage

if TYPE_CHECKING:
    from ..pdf import RenderedPdf

logger = logging.getLogger(__name__)


def pdf_max_attempts() -> int:
    return int(settings.QUOTES_PDF_MAX_ATTEMPTS)


# The render task by its registered name (apps/quotes/tasks.py): the task calls these
# services, so the services send it by name rather than import the tasks module (no cycle).
RENDER_TASK = "quotes.render_pdf"


def lease_seconds() -> float:
    return float(settings.QUOTES_PDF_LEASE_SECONDS)


def runner_id() -> str:
    """Who holds a lease: host, process, and a random part (a restarted process differs)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{_RUNNER_SALT}"


_RUNNER_SALT = os.urandom(3).hex()


def _enqueue(job_id: int) -> None:
    """Send the render task. With the broker away the request still succeeds: the job stays
    queued in the database with no `enqueued_at` (never handed to the broker), and the
    sweeper sends it on its next run once the broker is back."""
    try:
        dispatch(current_app.tasks[RENDER_TASK], job_id)  # a worker; a thread when embedded
    except Exception as exc:  # noqa: BLE001 - kombu/redis/socket errors: broker unavailable
        logger.warning(
            "PDF job %s not sent (broker unavailable: %s); the sweeper will send it",
            job_id,
            type(exc).__name__,
        )
        PdfJob.objects.filter(pk=job_id, status=PdfJobStatus.QUEUED).update(enqueued_at=None)


def pdf_job_request(*, user: Any, quote: Quote) -> PdfJob:
    """Ask for the revision's document. One job (and one file) per revision: asking again
    returns the existing job; a failed job is reset and queued again. The task is sent only
    after the transaction commits, so the worker always finds the row."""
    if quote.status == QuoteStatus.DRAFT:
        raise ApplicationError("draft", {"__all__": ["Send the quote to produce its document."]})
    with transaction.atomic():
        job, created = PdfJob.objects.get_or_create(
            quote=quote, defaults={"requested_by": user if user else None}
        )
        if not created:
            job = PdfJob.objects.select_for_update().get(pk=job.pk)
            if job.status != PdfJobStatus.FAILED:
                return job
            job.attempts, job.error, job.status = 0, "", PdfJobStatus.QUEUED
        job.enqueued_at = timezone.now()
        job.save()
        transaction.on_commit(partial(_enqueue, job.pk))
    return job


@dataclass
class RunOutcome:
    """What the task should do after a run: nothing (done/failed) or retry in N seconds.
    `unbounded`: the retry is not a render failure (storage away, another runner's live
    lease), so it does not count against the task's max_retries."""

    status: str
    retry_in: int | None = None
    unbounded: bool = False


def _claim(job_id: int, owner: str) -> tuple[PdfJob | None, str, float]:
    """Lock the job, take its lease and start an attempt, unless it is finished, out of
    attempts, or leased by a live runner (then also: seconds left on that lease)."""
    now = timezone.now()
    with transaction.atomic():
        job = PdfJob.objects.select_for_update().select_related("quote").filter(pk=job_id).first()
        if job is None or job.status in {PdfJobStatus.READY, PdfJobStatus.FAILED}:
            return None, job.status if job else "missing", 0.0
        if (
            job.status == PdfJobStatus.RENDERING
            and job.lease_expires_at is not None
            and job.lease_expires_at > now
            and job.lease_owner != owner
        ):
            # Another runner has it: do not render twice; look again when its lease ends.
            return None, PdfJobStatus.RENDERING, (job.lease_expires_at - now).total_seconds()
        if job.attempts >= pdf_max_attempts():
            _fail(
                job,
                f"gave up after {job.attempts} attempts; last error: {job.error or 'worker lost'}",
            )
            return None, PdfJobStatus.FAILED, 0.0
        job.status, job.started_at = PdfJobStatus.RENDERING, now
        job.lease_owner = owner
        job.lease_expires_at = now + timedelta(seconds=lease_seconds())
        job.attempts = F("attempts") + 1
        job.save(
            update_fields=[
                "status",
                "started_at",
                "attempts",
                "lease_owner",
                "lease_expires_at",
                "updated_at",
            ]
        )
        job.refresh_from_db()
        return job, PdfJobStatus.RENDERING, 0.0


def _fail(job: PdfJob, reason: str) -> None:
    job.status, job.error, job.finished_at = PdfJobStatus.FAILED, reason[:2000], timezone.now()
    job.lease_owner, job.lease_expires_at = "", None
    job.save(
        update_fields=[
            "status",
            "error",
            "finished_at",
            "lease_owner",
            "lease_expires_at",
            "updated_at",
        ]
    )


class _Heartbeat:
    """Renews the job's lease every third of its length while the render runs (own thread,
    own database connection). A failed renewal (database away) is retried on the next beat."""

    def __init__(self, job_id: int, owner: str) -> None:
        self.job_id, self.owner = job_id, owner
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"pdf-lease-{job_id}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        if connection.vendor != "sqlite":  # SQLite: one writer; the embedded default has one runner
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        interval = max(lease_seconds() / 3, 0.2)
        try:
            while not self._stop.wait(interval):
                try:
                    PdfJob.objects.filter(
                        pk=self.job_id, status=PdfJobStatus.RENDERING, lease_owner=self.owner
                    ).update(lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds()))
                except Exception:  # noqa: BLE001 - database away: the next beat tries again
                    logger.warning("lease renewal of PDF job %s failed", self.job_id)
                    close_old_connections()
        finally:
            connection.close()


# Documents the storage refused, kept in this process for their job's next run: the storage
# retry writes the same bytes instead of rendering again (a full disk or an object store away
# costs one render, ~1 s of CPU, not one every QUOTES_PDF_STORAGE_RETRY_SECONDS). By job, with
# the quote row's version it was rendered from (a changed quote is rendered afresh); a few.
_UNSTORED: dict[int, tuple[str, RenderedPdf]] = {}
_UNSTORED_MAX = 4


def _quote_version(job: PdfJob) -> str:
    quote = job.quote
    return f"{quote.pk}:{quote.status}:{quote.updated_at.isoformat()}"


def _keep_unstored(job: PdfJob, rendered: RenderedPdf) -> None:
    while len(_UNSTORED) >= _UNSTORED_MAX:
        _UNSTORED.pop(next(iter(_UNSTORED)), None)
    _UNSTORED[job.pk] = (_quote_version(job), rendered)


def _kept_unstored(job: PdfJob) -> RenderedPdf | None:
    version, rendered = _UNSTORED.pop(job.pk, ("", None))
    return rendered if version == _quote_version(job) else None


def unstored_clear() -> None:
    """Forget the documents kept for a storage retry (tests: as with an empty database)."""
    _UNSTORED.clear()


def pdf_job_run(job_id: int) -> RunOutcome:
    """Render a job's document (the task's body). Idempotent: a finished job is left alone, a
    job leased by another runner too; a render writes the revision's one name in the storage
    and marks the row ready; running it twice still ends with exactly one document."""
    from .. import pdf

    owner = runner_id()
    job, status, lease_left = _claim(job_id, owner)
    if job is None:
        if status == PdfJobStatus.RENDERING:  # a duplicate delivery while another renders:
            # if that runner finishes, the retry finds the job ready; if it was lost, the
            # retry takes the expired lease over (without waiting for the sweeper).
            return RunOutcome(status, retry_in=int(lease_left) + 1, unbounded=True)
        return RunOutcome(status)
    started = time.monotonic()
    with _Heartbeat(job.pk, owner):
        try:
            rendered = _kept_unstored(job)  # rendered already, refused by the storage
            if rendered is None:
                # Tests widen the kill window of a job's first attempt; the attempt that
                # recovers from the kill renders at once.
                delay = float(settings.QUOTES_PDF_RENDER_DELAY)
                if delay and job.attempts == 1:
                    time.sleep(delay)
                rendered = pdf.render_quote(job.quote)
        except pdf.PdfRenderError as exc:  # deterministic: retrying cannot help
            _fail(job, str(exc))
            return RunOutcome(PdfJobStatus.FAILED)
        except Exception as exc:  # noqa: BLE001 - any other error is retried, then reported
            logger.exception("render of PDF job %s failed", job_id)
            return _after_error(job, f"{type(exc).__name__}: {exc}")
        relpath = storage.document_relpath(job.quote)
        try:
            relpath = storage.document_write(relpath, rendered.data)
        except storage.StorageUnavailable as exc:
            logger.warning("PDF job %s: %s", job_id, exc)
            outcome = _after_storage_error(job, str(exc))
            if outcome.status == PdfJobStatus.QUEUED:  # tried again later: keep the bytes
                _keep_unstored(job, rendered)
            return outcome
    PdfJob.objects.filter(pk=job.pk).exclude(status=PdfJobStatus.READY).update(
        status=PdfJobStatus.READY,
        file_name=relpath,
        file_size=len(rendered.data),
        sha256=hashlib.sha256(rendered.data).hexdigest(),
        pages=rendered.pages,
        error="",
        render_seconds=Decimal(f"{time.monotonic() - started:.3f}"),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
        lease_owner="",
        lease_expires_at=None,
    )
    return RunOutcome(PdfJobStatus.READY)


def pdf_job_record_error(job_id: int, error: str) -> RunOutcome:
    """Record an error raised around a run (e.g. the soft time limit) and decide on retry."""
    job = PdfJob.objects.filter(pk=job_id).first()
    if job is None:
        return RunOutcome("missing")
    return _after_error(job, error)


def _requeue(job: PdfJob, error: str, **changes: Any) -> None:
    PdfJob.objects.filter(pk=job.pk, status=PdfJobStatus.RENDERING).update(
        status=PdfJobStatus.QUEUED,
        error=error[:2000],
        updated_at=timezone.now(),
        lease_owner="",
        lease_expires_at=None,
        **changes,
    )


def _after_error(job: PdfJob, error: str) -> RunOutcome:
    if job.attempts >= pdf_max_attempts():
        _fail(job, f"gave up after {job.attempts} attempts: {error}")
        return RunOutcome(PdfJobStatus.FAILED)
    _requeue(job, error)
    return RunOutcome(PdfJobStatus.QUEUED, retry_in=min(5 * 4 ** (job.attempts - 1), 300))


def _after_storage_error(job: PdfJob, error: str) -> RunOutcome:
    """The storage refused the document: give the attempt back and retry later, or fail with
    the storage's reason once QUOTES_PDF_STORAGE_WAIT_SECONDS have passed since queueing."""
    waited = timezone.now() - (job.enqueued_at or job.requested_at)
    limit = float(settings.QUOTES_PDF_STORAGE_WAIT_SECONDS)
    if waited.total_seconds() >= limit:
        _fail(job, f"gave up after {waited.total_seconds():.0f} s waiting for storage: {error}")
        return RunOutcome(PdfJobStatus.FAILED)
    _requeue(job, f"waiting for storage: {error}", attempts=F("attempts") - 1)
    retry = int(settings.QUOTES_PDF_STORAGE_RETRY_SECONDS)
    return RunOutcome(PdfJobStatus.QUEUED, retry_in=retry, unbounded=True)


def pdf_jobs_requeue_stale(
    *,
    now: datetime | None = None,
    queued_seconds: int | None = None,
    rendering_seconds: int | None = None,
) -> dict[str, int]:
    """The sweeper: re-enqueue jobs left pending too long (their message was lost, or their
    worker died and the message did not come back); fail those out of attempts. Each job is
    claimed with a conditional UPDATE, so two sweepers never requeue the same job twice."""
    now = now or timezone.now()
    queued_s = (
        queued_seconds if queued_seconds is not None else settings.QUOTES_PDF_STALE_QUEUED_SECONDS
    )
    rendering_s = (
        rendering_seconds
        if rendering_seconds is not None
        else settings.QUOTES_PDF_STALE_RENDERING_SECONDS
    )
    stale = selectors.pdf_jobs_stale(
        queued_before=now - timedelta(seconds=queued_s),
        rendering_before=now - timedelta(seconds=rendering_s),
        lease_expired_before=now,
    )
    counts = {"requeued": 0, "failed": 0, "temporary_files_removed": 0}
    counts["temporary_files_removed"] = storage.temporary_files_remove(
        older_than_seconds=float(settings.QUOTES_PDF_TMP_MAX_AGE_SECONDS)
    )
    for job in stale:
        if job.attempts >= pdf_max_attempts():
            reason = (
                f"gave up after {job.attempts} attempts; last error: {job.error or 'worker lost'}"
            )
            done = PdfJob.objects.filter(
                pk=job.pk, status=job.status, updated_at=job.updated_at
            ).update(
                status=PdfJobStatus.FAILED,
                error=reason,
                finished_at=now,
                updated_at=now,
                lease_owner="",
                lease_expires_at=None,
            )
            counts["failed"] += done
            continue
        with transaction.atomic():
            done = PdfJob.objects.filter(
                pk=job.pk, status=job.status, updated_at=job.updated_at
            ).update(
                status=PdfJobStatus.QUEUED,
                enqueued_at=now,
                updated_at=now,
                lease_owner="",
                lease_expires_at=None,
            )
            if done:
                transaction.on_commit(partial(_enqueue, job.pk))
        counts["requeued"] += done
    return counts
