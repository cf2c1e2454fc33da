"""Document storage: the ONLY code that touches document files (tests/quotes/test_storage.py
checks that nothing else opens or writes them). In the lowest layer (core) because the quotes
(PDF documents) and ops (readiness, backup and restore) both use it; the quotes' naming of a
document is apps/quotes/services/storage.py.

Documents go through Django's storage API, `storages["documents"]` (settings.STORAGES):

- embedded default and single-host deployments: `DocumentFileSystemStorage` under
  MEDIA_ROOT (STORAGE_PATH), which writes atomically (temporary file in the same directory,
  fsync, rename) and removes its temporary file on every failure (a full or read-only disk
  leaves nothing behind);
- several hosts (STORAGE_BACKEND=s3): django-storages' S3 backend on any S3-compatible store
  (MinIO, Ceph, AWS). An object appears whole or not at all.

Downloads are streamed from the storage through the app, or (DOCUMENTS_DOWNLOAD=redirect,
S3 only) redirected to a signed URL valid for S3_SIGNED_URL_SECONDS.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase

ALIAS = "documents"
TMP_SUFFIX = ".tmp"
PROBE_DIR = "health"


class StorageUnavailable(Exception):
    """The document storage refused a write or a read (disk full, read-only, store down)."""


class DocumentFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose saves are atomic and overwrite the name (one document per
    revision: a second render replaces the first, it never becomes `name_x7Yz.pdf`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_overwrite", True)
        super().__init__(**kwargs)

    def _save(self, name: str, content: Any) -> str:
        target = Path(self.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")
        try:
            with open(tmp, "wb") as fh:
                for chunk in content.chunks():
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)  # after os.replace it is gone; on any error, removed
        return name

    def temporary_files(self) -> list[str]:
        """Renders in progress or interrupted by a kill (`.name.pid.rand.tmp`)."""
        root = Path(self.location)
        if not root.is_dir():
            return []
        return sorted(str(p.relative_to(root)) for p in root.rglob(f".*{TMP_SUFFIX}"))


def documents_storage() -> Storage:
    return storages[ALIAS]


def filesystem_storage(location: Path) -> Storage:
    """A documents storage on a directory (restore --media-root)."""
    return DocumentFileSystemStorage(location=str(location))


def _unavailable(action: str, exc: Exception) -> StorageUnavailable:
    return StorageUnavailable(f"document storage: {action} failed: {type(exc).__name__}: {exc}")


def document_write(relpath: str, data: bytes, *, storage: Storage | None = None) -> str:
    """Store `data` as `relpath` (replacing an older render). Raises StorageUnavailable when
    the storage refuses it; nothing partial is left behind."""
    try:
        # Both backends overwrite the name (allow_overwrite / file_overwrite).
        return (storage or documents_storage()).save(relpath, ContentFile(data))
    except Exception as exc:  # noqa: BLE001 - OSError, botocore errors: all mean "storage refused"
        raise _unavailable("write", exc) from exc


def document_exists(relpath: str, *, storage: Storage | None = None) -> bool:
    try:
        return bool(relpath) and (storage or documents_storage()).exists(relpath)
    except Exception as exc:  # noqa: BLE001 - store down
        raise _unavailable("lookup", exc) from exc


def document_read(relpath: str, *, storage: Storage | None = None) -> bytes:
    try:
        with (storage or documents_storage()).open(relpath, "rb") as fh:
            return bytes(fh.read())
    except Exception as exc:  # noqa: BLE001
        raise _unavailable("read", exc) from exc


def document_names(prefix: str = "", *, storage: Storage | None = None) -> list[str]:
    """Every stored document name under `prefix` (recursive), temporary files excluded."""
    storage = storage or documents_storage()
    names: list[str] = []
    pending = [prefix.strip("/")]
    while pending:
        directory = pending.pop()
        try:
            dirs, files = storage.listdir(directory)
        except FileNotFoundError:
            continue
        base = f"{directory}/" if directory else ""
        pending += [base + d for d in dirs]
        names += [base + f for f in files if not f.endswith(TMP_SUFFIX) and f[:1] != "."]
    return sorted(n for n in names if not n.startswith(f"{PROBE_DIR}/"))


def document_response(relpath: str, download_name: str) -> HttpResponseBase:
    """The document as an attachment: streamed in chunks from the storage, or a redirect to a
    short-lived signed URL (DOCUMENTS_DOWNLOAD=redirect with an S3 store)."""
    storage = documents_storage()
    if settings.DOCUMENTS_DOWNLOAD == "redirect" and not isinstance(storage, FileSystemStorage):
        url = cast(Any, storage).url(  # S3Storage.url: parameters, expire
            relpath,
            parameters={
                "ResponseContentDisposition": f'attachment; filename="{download_name}"',
                "ResponseContentType": "application/pdf",
            },
            expire=int(settings.S3_SIGNED_URL_SECONDS),
        )
        return HttpResponseRedirect(url)
    return FileResponse(
        storage.open(relpath, "rb"),
        as_attachment=True,
        content_type="application/pdf",
        filename=download_name,
    )


def temporary_files() -> list[str]:
    """Temporary files left in the storage (filesystem only; an object store has none)."""
    storage = documents_storage()
    return storage.temporary_files() if isinstance(storage, DocumentFileSystemStorage) else []


def temporary_files_remove(*, older_than_seconds: float) -> int:
    """Remove temporary files older than the longest render (left by a killed process: a
    live render removes its own); returns how many (the sweeper calls it)."""
    storage = documents_storage()
    if not isinstance(storage, DocumentFileSystemStorage):
        return 0
    removed = 0
    cutoff = time.time() - older_than_seconds
    for name in storage.temporary_files():
        path = Path(storage.path(name))
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def storage_probe() -> dict[str, Any]:
    """Readiness: write, read back and delete a small object. Raises when the storage cannot
    take a document (disk full or read-only, store down or refusing)."""
    storage = documents_storage()
    name = f"{PROBE_DIR}/probe-{os.getpid()}-{secrets.token_hex(4)}.txt"
    payload = secrets.token_bytes(16)
    saved = storage.save(name, ContentFile(payload))
    try:
        with storage.open(saved, "rb") as fh:
            if fh.read() != payload:
                raise StorageUnavailable("document storage returned other bytes than written")
    finally:
        storage.delete(saved)
    return {"backend": type(storage).__name__}
