"""Documents through the storage API: atomic writes that leave nothing behind on failure,
storage errors recorded on the job and retried without spending render attempts, leases
(one runner at a time, a lost runner's job requeued at once), an S3-compatible store (moto's
server), and the CI check that nothing outside the storage module touches document files."""

from __future__ import annotations

import ast
import errno
import os
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.quotes import services
from apps.quotes.models import PdfJob
from apps.quotes.services import pdf_jobs, storage
from tests import s3server

ROOT = Path(__file__).resolve().parents[2]
# Storage and leases are the subject, not the document: its one-page version (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_page_document")]


@pytest.fixture
def sent_quote(quote, sales_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        quote, _ = services.quote_send(user=sales_user, quote=quote)
    return quote


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_write_leaves_no_temporary_file_and_keeps_the_old_document(
    media_root, monkeypatch
):
    assert storage.document_write("quotes/2026/a.pdf", b"%PDF first") == "quotes/2026/a.pdf"
    monkeypatch.setattr(os, "fsync", _no_space)
    with pytest.raises(storage.StorageUnavailable, match="No space left on device"):
        storage.document_write("quotes/2026/a.pdf", b"%PDF second")
    assert storage.document_read("quotes/2026/a.pdf") == b"%PDF first"
    assert sorted(p.name for p in media_root.rglob("*") if p.is_file()) == ["a.pdf"]
    assert storage.temporary_files() == []


def test_a_second_render_replaces_the_name(media_root):
    storage.document_write("quotes/x.pdf", b"one")
    assert storage.document_write("quotes/x.pdf", b"two") == "quotes/x.pdf"
    assert storage.document_names() == ["quotes/x.pdf"]
    assert storage.document_read("quotes/x.pdf") == b"two"


def test_a_storage_error_is_recorded_retried_without_spending_attempts_then_succeeds(
    sent_quote, media_root, monkeypatch
):
    from apps.quotes import pdf

    job = sent_quote.pdf_job
    real_render, renders = pdf.render_quote, []

    def counted(quote):
        renders.append(quote.pk)
        return real_render(quote)

    monkeypatch.setattr(pdf, "render_quote", counted)
    real_write = storage.document_write
    monkeypatch.setattr(storage, "document_write", lambda *a, **k: _raise_unavailable())
    for _ in range(5):  # more than QUOTES_PDF_MAX_ATTEMPTS: storage errors do not count
        outcome = services.pdf_job_run(job.pk)
        assert (outcome.status, outcome.unbounded, outcome.retry_in) == ("queued", True, 15)
        job.refresh_from_db()
        assert job.status == "queued" and job.attempts == 0
        assert job.error.startswith("waiting for storage: document storage: write failed")
        assert job.lease_owner == "" and job.lease_expires_at is None
    monkeypatch.setattr(storage, "document_write", real_write)  # space is back
    assert services.pdf_job_run(job.pk).status == "ready"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("ready", 1, "")
    assert storage.document_exists(job.file_name) and storage.temporary_files() == []
    # One render: each retry wrote the document the first run rendered (kept in the process).
    assert renders == [sent_quote.pk]
    assert storage.document_read(job.file_name).startswith(b"%PDF-")


def test_a_kept_document_is_not_used_once_its_quote_changed(sent_quote, media_root, monkeypatch):
    """The document kept for a storage retry belongs to the quote row as it was rendered: a
    change to the quote (its updated_at) renders it again."""
    from apps.quotes import pdf
    from apps.quotes.services import pdf_jobs

    job = sent_quote.pdf_job
    renders = []
    monkeypatch.setattr(
        pdf, "render_quote", lambda q: renders.append(q.pk) or pdf.RenderedPdf(b"%PDF-1", 1)
    )
    real_write = storage.document_write
    monkeypatch.setattr(storage, "document_write", lambda *a, **k: _raise_unavailable())
    assert services.pdf_job_run(job.pk).status == "queued"
    sent_quote.save()  # the quote row changes (updated_at)
    monkeypatch.setattr(storage, "document_write", real_write)
    assert services.pdf_job_run(job.pk).status == "ready"
    assert renders == [sent_quote.pk, sent_quote.pk]
    assert pdf_jobs._UNSTORED == {}


def _raise_unavailable():
    raise storage.StorageUnavailable("document storage: write failed: OSError: [Errno 28] full")


def test_storage_that_stays_away_fails_the_job_with_the_reason(sent_quote, media_root, monkeypatch):
    job = sent_quote.pdf_job
    PdfJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now() - timedelta(hours=1))
    monkeypatch.setattr(storage, "document_write", lambda *a, **k: _raise_unavailable())
    assert services.pdf_job_run(job.pk).status == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "waiting for storage" in job.error and "full" in job.error


def test_the_render_task_retries_storage_errors_beyond_max_retries(sent_quote, monkeypatch):
    from unittest import mock

    from apps.quotes import tasks

    outcome = services.RunOutcome("queued", retry_in=15, unbounded=True)
    with (
        mock.patch.object(services, "pdf_job_run", return_value=outcome),
        mock.patch.object(tasks.render_quote_pdf, "retry", side_effect=RuntimeError) as retry,
    ):
        with pytest.raises(RuntimeError):
            tasks.render_quote_pdf.run(sent_quote.pdf_job.pk)
    assert retry.call_args.kwargs == {"countdown": 15, "max_retries": None}


def test_a_job_leased_by_a_live_runner_is_not_rendered_twice(sent_quote, media_root):
    job = sent_quote.pdf_job
    live = timezone.now() + timedelta(seconds=30)
    PdfJob.objects.filter(pk=job.pk).update(
        status="rendering", attempts=1, lease_owner="other-host:1:abc", lease_expires_at=live
    )
    outcome = services.pdf_job_run(job.pk)  # a duplicate delivery: look again after the lease
    assert (outcome.status, outcome.unbounded) == ("rendering", True)
    assert 29 <= outcome.retry_in <= 31
    job.refresh_from_db()
    assert (job.status, job.attempts, job.lease_owner) == ("rendering", 1, "other-host:1:abc")
    assert storage.document_names() == []
    # The sweeper leaves a live lease alone…
    assert services.pdf_jobs_requeue_stale()["requeued"] == 0


def test_a_lost_runners_job_is_requeued_as_soon_as_its_lease_expires(
    sent_quote, media_root, django_capture_on_commit_callbacks
):
    job = sent_quote.pdf_job
    started = timezone.now() - timedelta(seconds=40)  # far below the old 420 s threshold
    PdfJob.objects.filter(pk=job.pk).update(
        status="rendering",
        attempts=1,
        started_at=started,
        lease_owner="killed-host:7:def",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        counts = services.pdf_jobs_requeue_stale()
    assert counts["requeued"] == 1 and len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == "ready" and job.attempts == 2  # rendered by the requeued message


def test_the_claim_takes_the_lease(sent_quote, media_root):
    job, status, _ = pdf_jobs._claim(sent_quote.pdf_job.pk, "me:1:x")
    assert status == "rendering" and job is not None
    assert job.lease_owner == "me:1:x"
    assert job.lease_expires_at > timezone.now() + timedelta(seconds=20)


def test_the_sweeper_removes_temporary_files_of_killed_renders(media_root):
    storage.document_write("quotes/2026/kept.pdf", b"%PDF")
    old = media_root / "quotes" / "2026" / ".x.pdf.123.abcd.tmp"
    new = media_root / "quotes" / "2026" / ".y.pdf.456.ef01.tmp"
    for path in (old, new):
        path.write_bytes(b"partial")  # what a SIGKILL mid-write leaves
    os.utime(old, (0, 0))
    assert services.pdf_jobs_requeue_stale()["temporary_files_removed"] == 1
    assert storage.temporary_files() == ["quotes/2026/.y.pdf.456.ef01.tmp"]
    assert storage.document_names() == ["quotes/2026/kept.pdf"]


# ---------------------------------------------------------------------------------------------
# An S3-compatible store


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    with s3server.s3_server(tmp_path_factory.mktemp("s3") / "moto.log") as endpoint:
        yield endpoint


@pytest.fixture
def s3_documents(settings, s3_endpoint):
    bucket = f"documents-{os.urandom(4).hex()}"
    s3server.make_bucket(s3_endpoint, bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": s3server.s3_storage_setting(s3_endpoint, bucket),
    }
    return bucket


def test_documents_in_an_s3_store(s3_documents, sent_quote, sales_user, client):
    from storages.backends.s3 import S3Storage

    assert isinstance(storage.documents_storage(), S3Storage)
    job = sent_quote.pdf_job
    assert services.pdf_job_run(job.pk).status == "ready"
    job.refresh_from_db()
    assert storage.document_names() == [job.file_name]
    assert storage.document_read(job.file_name).startswith(b"%PDF")
    assert storage.storage_probe() == {"backend": "S3Storage"}
    assert storage.document_names() == [job.file_name]  # the probe cleaned up
    client.force_login(sales_user)
    response = client.get(f"/quotes/{sent_quote.pk}/pdf/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body == storage.document_read(job.file_name) and len(body) == job.file_size


def test_downloads_redirect_to_a_short_lived_signed_url(
    s3_documents, sent_quote, sales_user, client, settings
):
    settings.DOCUMENTS_DOWNLOAD = "redirect"
    job = sent_quote.pdf_job
    assert services.pdf_job_run(job.pk).status == "ready"
    job.refresh_from_db()
    client.force_login(sales_user)
    response = client.get(f"/quotes/{sent_quote.pk}/pdf/download/")
    assert response.status_code == 302
    url = response["Location"]
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    with urllib.request.urlopen(url, timeout=10) as signed:  # noqa: S310 - local moto server
        assert signed.headers["Content-Disposition"].startswith("attachment")
        assert signed.read() == storage.document_read(job.file_name)


def test_readiness_reports_an_s3_store_that_is_down(settings, db, client):
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": s3server.s3_storage_setting(f"http://127.0.0.1:{s3server.free_port()}", "b"),
    }
    check = client.get("/health/ready").json()["checks"]["storage"]
    assert check["status"] == "fail" and "Error" in check["error"]


# ---------------------------------------------------------------------------------------------
# The CI check: document files are touched only by the storage module

STORAGE_MODULE = "apps/core/documents.py"
# Files that open other files, and which files those are (never documents).
OTHER_FILES = {
    "apps/catalog/services.py": "catalog CSV import/export",
    "apps/core/cache.py": "the lock file of the embedded default's file cache",
    "apps/quotes/pdf.py": "bundled static fonts and CSS read by the PDF renderer",
    "apps/ops/backup.py": "the backup directory (database dump, manifest, copies); documents "
    "are read and written through the storage module",
    "apps/sizing/engine/catalog.py": "the engine's catalog CSV files",
    "apps/sizing/management/commands/size.py": "the workload JSON file given to `size`",
}
PATH_METHODS = {"open", "write_bytes", "write_text", "read_bytes", "read_text", "unlink"}
MODULE_CALLS = {
    "os": {"replace", "remove", "rename", "unlink"},
    "shutil": {"copy", "copy2", "move"},
}


def _python_files() -> list[Path]:
    return sorted(p for d in ("apps", "config") for p in (ROOT / d).rglob("*.py"))


def _file_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls that read or write a file: builtin open(), Path methods, os/shutil file moves.
    `….open()` on a storage (the storage API) is not one."""
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            calls.append((node.lineno, "open"))
        elif isinstance(func, ast.Attribute):
            owner = func.value
            if isinstance(owner, ast.Name) and func.attr in MODULE_CALLS.get(owner.id, ()):
                calls.append((node.lineno, f"{owner.id}.{func.attr}"))
            elif func.attr in PATH_METHODS and "storage" not in ast.unparse(owner):
                calls.append((node.lineno, func.attr))
    return calls


def test_nothing_outside_the_storage_module_touches_document_files():
    offenders = []
    for path in _python_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel == STORAGE_MODULE or rel.startswith("config/settings/") or "/migrations/" in rel:
            continue
        text = path.read_text("utf-8")
        if "MEDIA_ROOT" in text or "STORAGE_PATH" in text:
            offenders.append(f"{rel}: names MEDIA_ROOT/STORAGE_PATH (use the storage module)")
        if rel in OTHER_FILES:
            continue
        offenders += [f"{rel}:{line}: {name}()" for line, name in _file_calls(ast.parse(text))]
    assert offenders == []


def test_the_check_finds_a_direct_write():
    tree = ast.parse("from pathlib import Path\nPath('x').write_bytes(b'')\nopen('y', 'wb')\n")
    assert sorted(name for _, name in _file_calls(tree)) == ["open", "write_bytes"]
    tree = ast.parse("import os\nos.replace(a, b)\nstorage.open(n)\n'x'.replace('a', 'b')\n")
    assert [name for _, name in _file_calls(tree)] == ["os.replace"]
