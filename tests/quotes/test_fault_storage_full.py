"""A full documents volume during renders (issue 18): the documents storage is a small tmpfs,
filled to the last byte while a real worker (production settings) renders. Every job records
the storage's reason without spending an attempt, readiness reports the storage down, no
temporary file remains; once space returns every job ends ready — or, when the storage stays
full past QUOTES_PDF_STORAGE_WAIT_SECONDS, failed with the reason."""

from __future__ import annotations

import errno
import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from apps.core.documents import TMP_SUFFIX
from apps.quotes import services
from apps.quotes.models import PdfJob
from tests import stack
from tests.conftest import require_or_skip

from . import factories

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
N_JOBS = 3


@pytest.fixture
def volume(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs of its own (root only, as in CI's container)."""
    mount = tmp_path / "documents"
    mount.mkdir()
    done = subprocess.run(  # noqa: S603 - fixed argv
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0777", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    require_or_skip(done.returncode == 0, f"a tmpfs mount (root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)  # noqa: S603


def fill(volume: Path) -> Path:
    """Write a filler file until the volume has no byte left."""
    filler = volume / "filler.bin"
    with filler.open("wb", buffering=0) as fh:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            block = b"\0" * size
            try:
                while True:
                    fh.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    return filler


def temporary_files(volume: Path) -> list[Path]:
    return sorted(volume.rglob(f"*{TMP_SUFFIX}"))


@pytest.fixture
def start_worker(transactional_db, redis_broker, tmp_path: Path, volume: Path):
    """Start a worker (production settings) whose documents storage is `volume`."""
    from config.celery_app import app

    require_or_skip(connection.vendor == "postgresql", "PostgreSQL for the worker's database")
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    old_eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    started: list[stack.Process] = []

    def start(**settings: str) -> stack.Process:
        env = stack.production_env(
            database_url=url,
            redis_url=redis_broker,
            STORAGE_PATH=str(volume),
            QUOTES_PDF_STORAGE_RETRY_SECONDS="2",
            **settings,
        )
        worker = stack.worker("worker", env, tmp_path / f"host-w{len(started)}").start()
        started.append(worker)
        stack.wait_until(
            lambda: app.control.ping(timeout=0.5, limit=1), 60, "the worker", worker.log
        )
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.kill_all()  # the test is over: a warm shutdown here took up to 10 s
        app.conf.task_always_eager = old_eager


def _send_quotes(user) -> list[PdfJob]:
    scenario = factories.make_scenario(user)
    jobs = []
    for i in range(N_JOBS):
        quote = factories.make_quote(user, scenario=scenario, customer_company=f"Full disk {i}")
        quote, _ = services.quote_send(user=user, quote=quote)  # the render is sent on commit
        jobs.append(PdfJob.objects.get(quote=quote))
    return jobs


def _all(jobs: list[PdfJob], check) -> bool:
    fresh = list(PdfJob.objects.filter(pk__in=[j.pk for j in jobs]))
    return len(fresh) == len(jobs) and all(check(j) for j in fresh)


def test_renders_on_a_full_volume_wait_and_end_ready_once_space_returns(
    start_worker, volume, book, sales_user, client, settings
) -> None:
    filler = fill(volume)
    worker = start_worker(QUOTES_PDF_STORAGE_WAIT_SECONDS="600")
    jobs = _send_quotes(sales_user)
    stack.wait_until(
        lambda: _all(jobs, lambda j: "waiting for storage" in j.error and "No space" in j.error),
        120,
        "every render to meet the full volume",
        worker.log,
    )
    assert _all(jobs, lambda j: j.status in {"queued", "rendering"} and j.attempts <= 1)
    assert temporary_files(volume) == []
    # Readiness (here, against the same volume) reports the storage down.
    settings.MEDIA_ROOT = volume
    ready = client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["storage"]["status"] == "fail"

    filler.unlink()  # space returns
    stack.wait_until(
        lambda: _all(jobs, lambda j: j.status == "ready"), 120, "every document", worker.log
    )
    assert temporary_files(volume) == []
    for job in PdfJob.objects.filter(pk__in=[j.pk for j in jobs]):
        assert job.attempts == 1 and job.error == ""  # storage waits spent no attempt
        stored = (volume / job.file_name).read_bytes()
        assert stored.startswith(b"%PDF-") and hashlib.sha256(stored).hexdigest() == job.sha256
    assert client.get("/health/ready").json()["checks"]["storage"]["status"] == "ok"


def test_renders_on_a_volume_that_stays_full_fail_with_the_reason(
    start_worker, volume, book, sales_user
) -> None:
    fill(volume)
    worker = start_worker(QUOTES_PDF_STORAGE_WAIT_SECONDS="4")
    jobs = _send_quotes(sales_user)
    stack.wait_until(
        lambda: _all(jobs, lambda j: j.status == "failed"), 120, "every job to fail", worker.log
    )
    for job in PdfJob.objects.filter(pk__in=[j.pk for j in jobs]):
        assert "waiting for storage" in job.error and "No space left on device" in job.error
        assert job.finished_at is not None and job.file_name == ""
    assert temporary_files(volume) == []
