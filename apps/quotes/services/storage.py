"""The quotes' document storage: where a revision's PDF is kept, and the storage API of
apps/core/documents.py (the only code that touches document files) re-exported for the
quotes' services and views."""

from __future__ import annotations

from apps.core.documents import (
    ALIAS,
    PROBE_DIR,
    TMP_SUFFIX,
    DocumentFileSystemStorage,
    StorageUnavailable,
    document_exists,
    document_names,
    document_read,
    document_response,
    document_write,
    documents_storage,
    filesystem_storage,
    storage_probe,
    temporary_files,
    temporary_files_remove,
)

from ..models import Quote

__all__ = [
    "ALIAS",
    "PROBE_DIR",
    "TMP_SUFFIX",
    "DocumentFileSystemStorage",
    "StorageUnavailable",
    "document_exists",
    "document_names",
    "document_read",
    "document_relpath",
    "document_response",
    "document_write",
    "documents_storage",
    "filesystem_storage",
    "storage_probe",
    "temporary_files",
    "temporary_files_remove",
]


def document_relpath(quote: Quote) -> str:
    """The one file name of a revision's document: renders of the same job overwrite it."""
    return f"quotes/{quote.number[2:6]}/{quote.number}-{quote.revision}.pdf"
